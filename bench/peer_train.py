#!/usr/bin/python3
"""Peer for `retort-cli bench train`: a plain PyTorch training step of the same YOLOv8 model.

A compact YOLOv8 definition (Conv/C2f/SPPF/Detect, Ultralytics parameter names) loaded from the
same safetensors, the YOLOv8 detection loss (task-aligned assigner, CIoU, DFL, BCE), SGD with
Nesterov momentum. Times forward, loss, backward and optimizer per step on one fixed batch of
COCO128 images letterboxed to imgsz (no augmentation, so only the model is measured).
Usage: /usr/bin/python3 bench/peer_train.py WEIGHTS.safetensors COCO128_DIR [--imgsz 320] [--batch 16] [--steps 10] [--threads 2]
"""
import argparse
import glob
import json
import math
import os
import statistics
import struct
import time

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    dt = {"F32": np.float32, "F16": np.float16}
    out = {}
    for k, v in header.items():
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dt[v["dtype"]]).reshape(v["shape"]).astype(np.float32))
    return out, meta


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)

    def forward(self, x):
        return F.silu(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut):
        super().__init__()
        self.cv1, self.cv2, self.add = Conv(c, c, 3), Conv(c, c, 3), shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    def __init__(self, c1, c2, n, shortcut):
        super().__init__()
        self.c = c2 // 2
        self.cv1, self.cv2 = Conv(c1, 2 * self.c), Conv((2 + n) * self.c, c2)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.cv1, self.cv2, self.m = Conv(c1, c1 // 2), Conv(c1 * 2, c2), nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        y = [self.cv1(x)]
        y.extend(self.m(y[-1]) for _ in range(3))
        return self.cv2(torch.cat(y, 1))


class Detect(nn.Module):
    def __init__(self, nc, ch):
        super().__init__()
        c2, c3 = max(16, ch[0] // 4, 64), max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 64, 1)) for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch)
        self.dfl = nn.Module()
        self.dfl.conv = nn.Conv2d(16, 1, 1, bias=False).requires_grad_(False)

    def forward(self, xs):
        return [torch.cat((self.cv2[i](x), self.cv3[i](x)), 1) for i, x in enumerate(xs)]


class YOLOv8(nn.Module):
    def __init__(self, width, depth, maxc, nc=80):
        super().__init__()
        ch = lambda c: int(math.ceil(min(c, maxc) * width / 8) * 8)  # noqa: E731
        n = lambda r: max(round(r * depth), 1)  # noqa: E731
        c = [ch(x) for x in (64, 128, 256, 512, 1024)]
        m = [Conv(3, c[0], 3, 2), Conv(c[0], c[1], 3, 2), C2f(c[1], c[1], n(3), True), Conv(c[1], c[2], 3, 2),
             C2f(c[2], c[2], n(6), True), Conv(c[2], c[3], 3, 2), C2f(c[3], c[3], n(6), True), Conv(c[3], c[4], 3, 2),
             C2f(c[4], c[4], n(3), True), SPPF(c[4], c[4]), nn.Upsample(None, 2, "nearest"), nn.Identity(),
             C2f(c[4] + c[3], c[3], n(3), False), nn.Upsample(None, 2, "nearest"), nn.Identity(),
             C2f(c[3] + c[2], c[2], n(3), False), Conv(c[2], c[2], 3, 2), nn.Identity(),
             C2f(c[2] + c[3], c[3], n(3), False), Conv(c[3], c[3], 3, 2), nn.Identity(),
             C2f(c[3] + c[4], c[4], n(3), False), Detect(nc, (c[2], c[3], c[4]))]
        self.model = nn.ModuleList(m)

    def forward(self, x):
        m, y = self.model, []
        for i in range(10):
            x = m[i](x)
            y.append(x)
        x = m[12](torch.cat((m[10](x), y[6]), 1)); y += [None, None, x]
        x = m[15](torch.cat((m[13](x), y[4]), 1)); p3 = x
        x = m[18](torch.cat((m[16](x), y[12]), 1)); p4 = x
        x = m[21](torch.cat((m[19](x), y[9]), 1))
        return m[22]([p3, p4, x])


def bbox_ciou(b1, b2, eps=1e-7):
    (x1, y1, x2, y2), (x3, y3, x4, y4) = b1.chunk(4, -1), b2.chunk(4, -1)
    w1, h1, w2, h2 = x2 - x1, y2 - y1 + eps, x4 - x3, y4 - y3 + eps
    inter = (x2.minimum(x4) - x1.maximum(x3)).clamp_(0) * (y2.minimum(y4) - y1.maximum(y3)).clamp_(0)
    iou = inter / (w1 * h1 + w2 * h2 - inter + eps)
    cw, chh = x2.maximum(x4) - x1.minimum(x3), y2.maximum(y4) - y1.minimum(y3)
    c2 = cw ** 2 + chh ** 2 + eps
    rho2 = ((x3 + x4 - x1 - x2) ** 2 + (y3 + y4 - y1 - y2) ** 2) / 4
    v = (4 / math.pi ** 2) * (torch.atan(w2 / h2) - torch.atan(w1 / h1)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


def v8_loss(feats, targets, nc, strides=(8, 16, 32)):
    """YOLOv8 detection loss (TAL topk 10, alpha 0.5, beta 6; gains 7.5/0.5/1.5)."""
    b = feats[0].shape[0]
    pd, ps = torch.cat([f.view(b, 64 + nc, -1) for f in feats], 2).split((64, nc), 1)
    ps, pd = ps.permute(0, 2, 1), pd.permute(0, 2, 1)
    pts, strs = [], []
    for f, s in zip(feats, strides):
        h, w = f.shape[2:]
        sy, sx = torch.meshgrid(torch.arange(h) + 0.5, torch.arange(w) + 0.5, indexing="ij")
        pts.append(torch.stack((sx, sy), -1).view(-1, 2))
        strs.append(torch.full((h * w, 1), s, dtype=torch.float32))
    anc, st = torch.cat(pts), torch.cat(strs)
    imgsz = torch.tensor(feats[0].shape[2:]) * strides[0]
    i = targets[:, 0]
    _, counts = i.unique(return_counts=True)
    gt = torch.zeros(b, int(counts.max()) if len(counts) else 0, 5)
    for j in range(b):
        m = i == j
        if m.sum():
            gt[j, : m.sum()] = targets[m, 1:]
    xy, wh = gt[..., 1:3] * imgsz[[1, 0]], gt[..., 3:5] * imgsz[[1, 0]]
    gt_labels, gt_boxes = gt[..., :1], torch.cat((xy - wh / 2, xy + wh / 2), -1)
    mask_gt = gt_boxes.sum(2, keepdim=True).gt_(0)
    proj = torch.arange(16, dtype=torch.float32)
    dist = pd.view(b, -1, 4, 16).softmax(3).matmul(proj)
    lt, rb = dist.chunk(2, -1)
    pb = torch.cat((anc - lt, anc + rb), -1)
    with torch.no_grad():  # task-aligned assigner
        na, nmax = pb.shape[1], gt_boxes.shape[1]
        ps_d, pb_d = ps.detach().sigmoid(), (pb.detach() * st)
        lt_ = (anc * st)[None, None] - gt_boxes[:, :, None, :2]
        rb_ = gt_boxes[:, :, None, 2:] - (anc * st)[None, None]
        in_gts = torch.cat((lt_, rb_), -1).amin(3).gt_(1e-9)
        mask = in_gts * mask_gt
        ind = gt_labels.long().squeeze(-1)
        bs_idx = torch.arange(b).view(-1, 1).expand(-1, nmax)
        scores = ps_d[bs_idx, :, ind].clone()
        ov = bbox_ciou(gt_boxes[:, :, None].expand(-1, -1, na, -1), pb_d[:, None].expand(-1, nmax, -1, -1)).squeeze(-1).clamp_(0)
        align = scores.pow(0.5) * ov.pow(6.0) * mask
        topk = torch.topk(align, 10, dim=-1).indices
        is_in = torch.zeros_like(align).scatter_add_(-1, topk, torch.ones_like(topk, dtype=torch.float32))
        mask_pos = (is_in.clamp(max=1) * mask)
        fg = mask_pos.sum(-2)
        if fg.max() > 1:
            multi = (fg.unsqueeze(1) > 1).expand(-1, nmax, -1)
            best = F.one_hot(ov.argmax(1), nmax).permute(0, 2, 1).to(ov.dtype)
            mask_pos = torch.where(multi, best, mask_pos)
            fg = mask_pos.sum(-2)
        gidx = mask_pos.argmax(-2)
        flat = gidx + (torch.arange(b)[:, None] * nmax)
        tl = gt_labels.long().flatten()[flat].clamp_(0)
        tb = gt_boxes.view(-1, 4)[flat]
        ts = F.one_hot(tl, nc).float() * (fg[..., None] > 0)
        align *= mask_pos
        pos_a = align.amax(-1, keepdim=True)
        pos_o = (ov * mask_pos).amax(-1, keepdim=True)
        ts = ts * (align * pos_o / (pos_a + 1e-9)).amax(-2)[..., None]
    fgm = fg > 0
    tss = max(ts.sum(), 1)
    cls = F.binary_cross_entropy_with_logits(ps, ts, reduction="sum") / tss
    box = dfl = torch.zeros(())
    if fgm.sum():
        tbs = tb / st
        w = ts.sum(-1)[fgm].unsqueeze(-1)
        box = ((1.0 - bbox_ciou(pb[fgm], tbs[fgm])) * w).sum() / tss
        tlrb = torch.cat((anc - tbs[..., :2], tbs[..., 2:] - anc), -1).clamp_(0, 15 - 0.01)[fgm].view(-1)
        tl_, tr_ = tlrb.long(), tlrb.long() + 1
        wl, wr = tr_ - tlrb, tlrb - tl_
        pdf = pd[fgm].view(-1, 16)
        d = (F.cross_entropy(pdf, tl_, reduction="none") * wl + F.cross_entropy(pdf, tr_, reduction="none") * wr)
        dfl = (d.view(-1, 4).mean(-1, keepdim=True) * w).sum() / tss
    return (box * 7.5 + cls * 0.5 + dfl * 1.5) * b


def load_batch(coco_dir, imgsz, batch):
    files = sorted(glob.glob(os.path.join(coco_dir, "images", "train2017", "*.jpg")))[:batch]
    imgs, targets = [], []
    for i, f in enumerate(files):
        im = cv2.imread(f)
        h0, w0 = im.shape[:2]
        r = imgsz / max(h0, w0)
        nw, nh = round(w0 * r), round(h0 * r)
        im = cv2.resize(im, (nw, nh))
        top, left = (imgsz - nh) // 2, (imgsz - nw) // 2
        canvas = np.full((imgsz, imgsz, 3), 114, np.uint8)
        canvas[top:top + nh, left:left + nw] = im
        imgs.append(canvas[..., ::-1].transpose(2, 0, 1))
        lf = f.replace("/images/", "/labels/").rsplit(".", 1)[0] + ".txt"
        if os.path.exists(lf):
            for line in open(lf).read().split("\n"):
                if line.strip():
                    c, x, y, w, h = map(float, line.split())
                    targets.append([i, c, (x * nw + left) / imgsz, (y * nh + top) / imgsz, w * nw / imgsz, h * nh / imgsz])
    return torch.from_numpy(np.stack(imgs)).float() / 255, torch.tensor(targets, dtype=torch.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("coco_dir")
    ap.add_argument("--imgsz", type=int, default=320)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--flush-denormal", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    sd, meta = read_safetensors(a.weights)
    scale = meta.get("scale", "n")
    depth, width, maxc = {"n": (0.33, 0.25, 1024), "s": (0.33, 0.5, 1024), "m": (0.67, 0.75, 768),
                          "l": (1.0, 1.0, 512), "x": (1.0, 1.25, 512)}[scale]
    model = YOLOv8(width, depth, maxc, int(meta.get("nc", 80)))
    model.load_state_dict(sd, strict=False)
    model.train()
    g = [[], [], []]
    for mod in model.modules():
        for name, p in mod.named_parameters(recurse=False):
            if p.requires_grad:
                g[2 if name == "bias" else 1 if isinstance(mod, nn.BatchNorm2d) else 0].append(p)
    opt = torch.optim.SGD(g[2], lr=0.01, momentum=0.937, nesterov=True)
    opt.add_param_group({"params": g[0], "weight_decay": 5e-4})
    opt.add_param_group({"params": g[1], "weight_decay": 0.0})
    x, targets = load_batch(a.coco_dir, a.imgsz, a.batch)
    times = {"forward_ms": [], "loss_ms": [], "backward_ms": [], "optimizer_ms": [], "step_ms": []}
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        feats = model(x)
        t1 = time.perf_counter()
        loss = v8_loss(feats, targets, int(meta.get("nc", 80)))
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        opt.zero_grad()
        t4 = time.perf_counter()
        if i >= a.warmup:
            for k, v in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0)):
                times[k].append(v * 1e3)
    out = {k: statistics.median(v) for k, v in times.items()}
    out.update({"peer": "python3-torch eager", "torch": torch.__version__, "threads": a.threads, "batch": a.batch,
                "imgsz": a.imgsz, "scale": scale, "loss": float(loss)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
