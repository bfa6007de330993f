"""Metrics from the exported files' held-out logits (.data/logits-<id>.f32, written by evaluate.mjs / export_tfjs.py):
accuracy per variant; for fp32 also the confusion matrix, per-class precision/recall/FPR/FNR, most confused pairs,
reference stats. Writes .data/metrics.json and models/mnist/misclassified.json (up to 12 fp32 errors)."""
import base64
import json
import os

import numpy as np

from data import DATA
from export_onnx import OUT

VARIANTS = ['fp32', 'int8', 'pruned', 'tfjs-uint8']


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def main():
    y = np.fromfile(os.path.join(DATA, 'test.u8'), dtype=np.uint8).astype(int)
    x = np.fromfile(os.path.join(DATA, 'test.f32'), dtype='<f4').reshape(-1, 784)
    out = {'testCount': len(y), 'variants': {}}
    for v in VARIANTS:
        p = os.path.join(DATA, f'logits-{v}.f32')
        if not os.path.exists(p):
            continue
        z = np.fromfile(p, dtype='<f4').reshape(-1, 10)
        pred = z.argmax(1)
        cm = np.zeros((10, 10), int)
        np.add.at(cm, (y, pred), 1)
        tp = np.diag(cm)
        fp, fn = cm.sum(0) - tp, cm.sum(1) - tp
        tn = len(y) - tp - fp - fn
        out['variants'][v] = {
            'accuracy': float((pred == y).mean()), 'confusion': cm.tolist(),
            'precision': (tp / np.maximum(tp + fp, 1)).tolist(), 'recall': (tp / np.maximum(tp + fn, 1)).tolist(),
            'fpr': (fp / np.maximum(fp + tn, 1)).tolist(), 'fnr': (fn / np.maximum(tp + fn, 1)).tolist(),
            'pairs': sorted([[int(cm[a, b] + cm[b, a]), a, b, int(cm[a, b]), int(cm[b, a])]
                             for a in range(10) for b in range(a + 1, 10) if cm[a, b] + cm[b, a]], reverse=True)[:6]}
        if v == 'fp32':
            prob = softmax(z.astype(np.float64))
            ink = x.mean(1)
            out['reference'] = {'meanInk': float(ink.mean()), 'stdInk': float(ink.std()),
                                'labelShare': (np.bincount(pred, minlength=10) / len(y)).tolist(),
                                'meanConfidence': float(prob.max(1).mean())}
            wrong = np.where(pred != y)[0]
            wrong = wrong[np.argsort(-prob[wrong, pred[wrong]])][:12]
            mis = [{'inputUint8': base64.b64encode(np.round(x[i] * 255).astype(np.uint8).tobytes()).decode(),
                    'label': int(y[i]), 'predicted': int(pred[i]), 'probability': round(float(prob[i, pred[i]]), 4)}
                   for i in wrong]
            with open(os.path.join(OUT, 'misclassified.json'), 'w') as f:
                json.dump(mis, f, indent=2)
                f.write('\n')
    with open(os.path.join(DATA, 'metrics.json'), 'w') as f:
        json.dump(out, f, indent=2)
    print({k: round(v['accuracy'], 4) for k, v in out['variants'].items()})


if __name__ == '__main__':
    main()
