"""Writes the held-out set and the golden digits for the Node evaluator into .data/:
test.f32 [N,784] float32, test.u8 labels, golden.u8 [8,784] (round(x*255)), golden.json (ids, labels, test indices).
Golden digits: the first held-out digit of classes 0,1,2,3,4,5,7 and the hardest correctly classified held-out digit
(lowest fp32 true-class probability)."""
import json
import os

import numpy as np
import torch

from data import DATA, load_split
from export_onnx import load_net

if __name__ == '__main__':
    _, _, xte, yte = load_split()
    xte.reshape(len(xte), 784).astype('<f4').tofile(os.path.join(DATA, 'test.f32'))
    yte.astype(np.uint8).tofile(os.path.join(DATA, 'test.u8'))
    with torch.no_grad():
        p = torch.softmax(load_net()(torch.from_numpy(xte)), 1).numpy()
    idx = [int(np.where(yte == c)[0][0]) for c in (0, 1, 2, 3, 4, 5, 7)]
    true_p = p[np.arange(len(yte)), yte]
    ok = np.where((p.argmax(1) == yte))[0]
    hard = int(ok[np.argmin(true_p[ok])])
    idx.append(hard)
    u8 = np.round(xte[idx].reshape(len(idx), 784) * 255).astype(np.uint8)
    u8.tofile(os.path.join(DATA, 'golden.u8'))
    ids = [f'test-{i}-label-{int(yte[i])}' for i in idx[:-1]] + [f'test-{hard}-label-{int(yte[hard])}-hard']
    with open(os.path.join(DATA, 'golden.json'), 'w') as f:
        json.dump({'ids': ids, 'labels': [int(yte[i]) for i in idx], 'testIndex': idx,
                   'hardTrueProbability': float(true_p[hard])}, f, indent=2)
    print('golden', ids, 'hard p =', round(float(true_p[hard]), 3))
