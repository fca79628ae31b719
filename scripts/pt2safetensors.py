#!/usr/bin/env python3
"""Convert an Ultralytics YOLOv8 detection checkpoint (.pt pickle) into Retort's safetensors.

Needs Python with torch and ultralytics installed (only for this one-off conversion; Retort itself
never runs Python). Writes the model's state_dict (EMA weights when present), keys as Ultralytics
names them (model.0.conv.weight ...), with the metadata Retort reads: arch (the model YAML with its
scale), names, nc, stride, imgsz, reg_max, task.

Usage: python3 scripts/pt2safetensors.py yolov8m.pt yolov8m.safetensors [--dtype F32|F16]
"""
import argparse
import json
import struct
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pt")
    ap.add_argument("out")
    ap.add_argument("--dtype", choices=["F32", "F16"], default="F32")
    a = ap.parse_args()
    try:
        import torch
        import yaml
        from ultralytics.nn.tasks import attempt_load_one_weight  # noqa: F401 (registers classes for unpickling)
    except ImportError as e:
        sys.exit(f"pt2safetensors: needs torch, pyyaml and ultralytics ({e})")

    ckpt = torch.load(a.pt, map_location="cpu")
    model = (ckpt.get("ema") or ckpt["model"]).float()
    if getattr(model, "task", "detect") != "detect":
        sys.exit(f"{a.pt}: task '{model.task}' is not detection")
    cfg = dict(model.yaml)
    scale = cfg.get("scale") or ""
    arch = yaml.safe_dump({k: v for k, v in cfg.items() if k not in ("ch",)}, sort_keys=False)
    if scale and "scale:" not in arch:
        arch += f"\nscale: {scale}\n"
    names = model.names if isinstance(model.names, list) else [model.names[i] for i in range(len(model.names))]
    dtype = torch.float16 if a.dtype == "F16" else torch.float32
    tensors = {k: v.to(dtype) if v.is_floating_point() else v for k, v in model.state_dict().items()
               if not k.endswith("num_batches_tracked")}
    meta = {"format": "retort-weights-v1", "arch": arch, "scale": scale, "names": json.dumps(names),
            "nc": str(len(names)), "stride": json.dumps([int(s) for s in model.stride.tolist()]),
            "imgsz": str(ckpt.get("train_args", {}).get("imgsz", 640)), "reg_max": "16", "task": "detect",
            "dtype": a.dtype, "source": json.dumps({"file": a.pt})}
    header, offset, blobs = {"__metadata__": meta}, 0, []
    codes = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64"}
    for k, v in tensors.items():
        v = v.contiguous()
        raw = v.numpy().tobytes()
        header[k] = {"dtype": codes[v.dtype], "shape": list(v.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(a.out, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    print(f"{a.out}: {len(tensors)} tensors, {len(names)} classes, scale '{scale}'")


if __name__ == "__main__":
    main()
