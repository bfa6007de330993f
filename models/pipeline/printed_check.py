"""Domain-gap check: digits 0-9 rendered in every system TrueType font (DejaVu, Liberation), put through MNIST-style
preprocessing (crop to ink, longer side scaled to 20 px, centre of mass on pixel (14, 14)) and classified by the fp32
network. Writes .data/printed.json. Not a held-out MNIST number: it measures how far printed digits are from MNIST."""
import glob
import json
import os

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from data import DATA
from export_onnx import load_net


def mnist_style(img):
    a = np.asarray(img, dtype=np.float32) / 255.0  # ink = 1
    ys, xs = np.nonzero(a > 0.05)
    a = a[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = a.shape
    s = 20.0 / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    p = np.asarray(Image.fromarray((a * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS), np.float32) / 255
    p = p.clip(0, 1)
    m = p.sum()
    cy = (p.sum(1) * (np.arange(nh) + 0.5)).sum() / m
    cx = (p.sum(0) * (np.arange(nw) + 0.5)).sum() / m
    oy = int(round(min(max(14.5 - cy, 0), 28 - nh)))
    ox = int(round(min(max(14.5 - cx, 0), 28 - nw)))
    out = np.zeros((28, 28), np.float32)
    out[oy:oy + nh, ox:ox + nw] = p
    return out


if __name__ == '__main__':
    # DejaVu and Liberation only, as above: the extra training faces nondigits.py uses (Noto, Roboto, ...) would change
    # what this check measures, and some of Noto's faces have no digits at all.
    fonts = sorted(f for family in ('dejavu', 'liberation') for f in glob.glob(f'/usr/share/fonts/truetype/{family}/*.ttf') if 'Math' not in f)
    xs, ys, names = [], [], []
    for f in fonts:
        font = ImageFont.truetype(f, 96)
        for d in range(10):
            img = Image.new('L', (160, 160), 0)
            ImageDraw.Draw(img).text((30, 10), str(d), fill=255, font=font)
            xs.append(mnist_style(img))
            ys.append(d)
            names.append(os.path.basename(f))
    with torch.no_grad():
        pred = load_net()(torch.from_numpy(np.stack(xs)[:, None])).argmax(1).numpy()
    ys = np.array(ys)
    wrong = [f'{names[i]}: {ys[i]}->{pred[i]}' for i in np.where(pred != ys)[0]]
    res = {'fonts': len(fonts), 'digits': len(ys), 'accuracy': float((pred == ys).mean()),
           'perClassAccuracy': [float((pred[ys == c] == c).mean()) for c in range(10)], 'errors': wrong}
    with open(os.path.join(DATA, 'printed.json'), 'w') as fh:
        json.dump(res, fh, indent=2)
    print('printed digits:', len(fonts), 'fonts, accuracy', round(res['accuracy'], 4), wrong[:20])
