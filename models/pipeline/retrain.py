"""Fine-tunes the released model on the original training data plus exported user feedback, then gates it.

  /usr/bin/python3 retrain.py --release-dir DIR --feedback EXPORT_DIR [--epochs 3] [--seed 0] ...

DIR is a model folder as served (manifest.json + files; e.g. a copy of models/mnist). EXPORT_DIR is what
`modelship feedback export` wrote (images.f32, labels.u8, meta.json with sha256). The base network is rebuilt
from DIR's fp32 ONNX initializers (the trained .pt is not in git). Gate: held-out accuracy may drop by at most
0.1 pp, and accuracy on a held-out part of the feedback must improve. A gated model is released by
release_manifest.py into DIR/<version>/ and put on the `canary` channel; a model that fails the gate writes
nothing into DIR and the script exits 3. Prints one JSON line with every number.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from data import augment, load_split
from net import Net

MAX_HELDOUT_DROP = 0.001


def base_net(onnx_path):
    """The deployed (BN-folded) network with the released weights: ONNX initializers are named as Net's parameters."""
    weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in onnx.load(onnx_path).graph.initializer}
    net = Net(bn=False)
    net.load_state_dict(weights)
    return net.eval()


def load_feedback(folder):
    with open(os.path.join(folder, 'meta.json')) as f:
        meta = json.load(f)
    x = np.fromfile(os.path.join(folder, 'images.f32'), dtype='<f4').reshape(-1, 1, 28, 28)
    y = np.fromfile(os.path.join(folder, 'labels.u8'), dtype=np.uint8).astype(np.int64)
    assert len(x) == len(y) == meta['count'], 'feedback export is inconsistent with its meta.json'
    return x, y, meta


def split_feedback(n, fraction, seed):
    """A seeded permutation: the first `fraction` of it is held out for the gate, never trained on."""
    order = np.random.default_rng(seed).permutation(n)
    k = max(1, int(round(n * fraction)))
    return order[k:], order[:k]


def accuracy(net, x, y):
    with torch.no_grad():
        return float((net.eval()(torch.from_numpy(x)).argmax(1).numpy() == y).mean()) if len(y) else float('nan')


def fine_tune(net, x_train, y_train, x_fb, y_fb, args):
    """AdamW on mini-batches drawn from the training data and the feedback; feedback samples are drawn
    `feedback_weight` times as often, and every batch is augmented like the original training (data.augment)."""
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    x_all = torch.from_numpy(np.concatenate([x_train, x_fb]))
    y_all = torch.from_numpy(np.concatenate([y_train, y_fb]))
    weights = torch.cat([torch.ones(len(x_train)), torch.full((len(x_fb),), float(args.feedback_weight))])
    steps = args.epochs * max(1, (len(x_train) + len(x_fb)) // args.batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    net.train()
    for _ in range(steps):
        idx = torch.multinomial(weights, args.batch_size, replacement=True, generator=gen)
        xb = augment(x_all[idx], gen)
        loss = F.cross_entropy(net(xb), y_all[idx], label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net.eval(), steps


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--release-dir', required=True)
    p.add_argument('--feedback', required=True)
    p.add_argument('--epochs', type=int, default=3)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--feedback-weight', type=float, default=5.0, help='how much more often a feedback sample is drawn')
    p.add_argument('--feedback-holdout', type=float, default=0.3, help='share of the feedback kept out for the gate')
    p.add_argument('--train-subset', type=int, default=0, help='use only the first N training digits (0 = all; small-scale runs)')
    p.add_argument('--canary-share', type=float, default=0.1)
    p.add_argument('--bump', choices=['minor', 'patch'], default='minor')
    args = p.parse_args()
    torch.set_num_threads(int(os.environ.get('RETRAIN_THREADS', '2')))

    with open(os.path.join(args.release_dir, 'manifest.json')) as f:
        base_manifest = json.load(f)
    fp32 = next(v for v in base_manifest['variants'] if v['id'] == 'fp32')
    base = base_net(os.path.join(args.release_dir, fp32['files'][0]['path']))
    x_train, y_train, x_test, y_test = load_split()
    if args.train_subset:
        pick = np.random.default_rng(args.seed).permutation(len(x_train))[:args.train_subset]
        x_train, y_train = x_train[pick], y_train[pick]
    x_fb, y_fb, fb_meta = load_feedback(args.feedback)
    train_idx, gate_idx = split_feedback(len(y_fb), args.feedback_holdout, args.seed)

    before = {'heldOut': accuracy(base, x_test, y_test), 'feedbackHeldOut': accuracy(base, x_fb[gate_idx], y_fb[gate_idx])}
    tuned, steps = fine_tune(base_net(os.path.join(args.release_dir, fp32['files'][0]['path'])), x_train, y_train,
                             x_fb[train_idx], y_fb[train_idx], args)
    after = {'heldOut': accuracy(tuned, x_test, y_test), 'feedbackHeldOut': accuracy(tuned, x_fb[gate_idx], y_fb[gate_idx])}
    gates = {'heldOutDropAtMost0.1pp': after['heldOut'] >= before['heldOut'] - MAX_HELDOUT_DROP - 1e-12,
             'feedbackHeldOutImproves': after['feedbackHeldOut'] > before['feedbackHeldOut']}
    report = {'before': before, 'after': after, 'gates': gates, 'steps': steps, 'feedback': {
        'sha256': fb_meta['sha256'], 'count': int(len(y_fb)), 'trained': int(len(train_idx)), 'heldOut': int(len(gate_idx))}}
    if not all(gates.values()):
        print(json.dumps({**report, 'released': None}))
        sys.exit(3)
    from release_manifest import release
    report['released'] = release(tuned, base_manifest, args, report, x_test, y_test)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
