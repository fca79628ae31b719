#!/usr/bin/python3
"""Peer for `retort-cli bench predict`: Debian's PyTorch running Ultralytics' TorchScript export.

Same image, same letterbox (minimal rectangle padded to 32, grey 114), same thread count; times
preprocess, inference and NMS-free postprocess separately and prints JSON (medians in ms).
Usage: /usr/bin/python3 bench/peer_predict.py MODEL.torchscript IMAGE [--imgsz 640] [--runs 20] [--threads 2]
"""
import argparse
import json
import statistics
import time

import cv2
import numpy as np
import torch


def letterbox(img, size=640):
    """Square letterbox: the TorchScript export is traced at a fixed size x size input."""
    h0, w0 = img.shape[:2]
    r = min(size / h0, size / w0)
    new = (int(round(w0 * r)), int(round(h0 * r)))
    dw, dh = (size - new[0]) / 2, (size - new[1]) / 2
    if (w0, h0) != new:
        img = cv2.resize(img, new, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("image")
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True), as Retort does")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    model = torch.jit.load(a.model, map_location="cpu").eval()
    img0 = cv2.imread(a.image)
    pre, inf = [], []
    with torch.no_grad():
        for i in range(a.warmup + a.runs):
            t0 = time.perf_counter()
            im = letterbox(img0, a.imgsz)[..., ::-1].transpose(2, 0, 1)
            x = torch.from_numpy(np.ascontiguousarray(im)).unsqueeze(0).float() / 255.0
            t1 = time.perf_counter()
            y = model(x)
            t2 = time.perf_counter()
            if i >= a.warmup:
                pre.append((t1 - t0) * 1e3)
                inf.append((t2 - t1) * 1e3)
    print(json.dumps({"peer": "python3-torch TorchScript", "torch": torch.__version__, "threads": a.threads, "flush_denormal": a.flush_denormal,
                      "input_shape": list(x.shape), "output_shape": list(y.shape),
                      "preprocess_ms": statistics.median(pre), "inference_ms": statistics.median(inf)}))


if __name__ == "__main__":
    main()
