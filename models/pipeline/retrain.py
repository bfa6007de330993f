"""Fine-tunes the released model on the original training data plus exported user feedback, then gates it.

  /usr/bin/python3 retrain.py --release-dir DIR --feedback EXPORT_DIR [--epochs 3] [--seed 0] ...

DIR is a model folder as served (manifest.json + files; e.g. a copy of models/mnist). EXPORT_DIR is what
`modelship feedback export` wrote (images.f32, labels.u8, meta.json with sha256). The base network is rebuilt
from DIR's fp32 ONNX initializers (the trained .pt is not in git). Gate: held-out accuracy may drop by at most
0.1 pp, and accuracy on a held-out part of the feedback must improve. A gated model is released by
release_manifest.py into DIR/<version>/, its abstention thresholds and temperature are fitted again
(calibrate.ts on the new files), and only then is it put on the `canary` channel; a model that fails the gate
writes nothing into DIR and the script exits 3. Prints one JSON line with every number.

The fine-tune keeps outlier exposure (train.py): every batch also holds training-split non-digits (nondigits.py)
pushed towards the uniform distribution, so the new version still refuses what is no digit. It is deterministic:
feedback is put in a fixed order by content (not by the export's ids, which differ between runs), seeds are fixed
and torch runs deterministic algorithms on RETRAIN_THREADS (default 2) threads.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

from data import DATA, augment, load_nondigits, load_split, uniform_loss
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
    # A fixed order from the content: the same feedback always gives the same held-out part and the same batches.
    order = sorted(range(len(y)), key=lambda i: hashlib.sha256(x[i].tobytes() + bytes([int(y[i])])).hexdigest())
    return x[order], y[order], meta


def ensure_nondigits():
    """The training split of non-digits, preprocessed by the library (nondigits.py, preprocess_nondigits.ts); built when missing."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not all(os.path.exists(os.path.join(DATA, f)) for f in ('nondigits.json', 'nondigits.u8', 'nondigits-inputs.f32', 'printed-digits.json')):
        subprocess.run([sys.executable, os.path.join(here, 'nondigits.py')], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(['node', '--import', 'tsx', os.path.join(here, 'preprocess_nondigits.ts')], check=True, stdout=subprocess.DEVNULL)
    return load_nondigits('train')


def split_feedback(n, fraction, seed):
    """A seeded permutation: the first `fraction` of it is held out for the gate, never trained on."""
    order = np.random.default_rng(seed).permutation(n)
    k = max(1, int(round(n * fraction)))
    return order[k:], order[:k]


def accuracy(net, x, y):
    with torch.no_grad():
        return float((net.eval()(torch.from_numpy(x)).argmax(1).numpy() == y).mean()) if len(y) else float('nan')


def fine_tune(net, x_train, y_train, x_fb, y_fb, x_oe, args):
    """AdamW on mini-batches drawn from the training data and the feedback; feedback samples are drawn
    `feedback_weight` times as often, and every batch is augmented like the original training (data.augment).
    Each batch also carries `oe_batch_size` training-split non-digits with outlier exposure's loss (train.py)."""
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    x_all = torch.from_numpy(np.concatenate([x_train, x_fb]))
    y_all = torch.from_numpy(np.concatenate([y_train, y_fb]))
    weights = torch.cat([torch.ones(len(x_train)), torch.full((len(x_fb),), float(args.feedback_weight))])
    steps = args.epochs * max(1, (len(x_train) + len(x_fb)) // args.batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    oe = torch.from_numpy(x_oe)
    # The base network as a teacher on the original training digits (not on the feedback, where it was wrong):
    # the fine-tune learns the feedback without forgetting the digits it knew (it keeps what train.py taught).
    teacher = Net(bn=False)
    teacher.load_state_dict(net.state_dict())
    teacher.eval()
    T = 2.0
    net.train()
    for _ in range(steps):
        idx = torch.multinomial(weights, args.batch_size, replacement=True, generator=gen)
        oe_idx = torch.randint(len(oe), (args.oe_batch_size,), generator=gen)
        xb = augment(torch.cat([x_all[idx], oe[oe_idx]]), gen)
        logits = net(xb)
        loss = F.cross_entropy(logits[:len(idx)], y_all[idx], label_smoothing=0.05)
        original = idx < len(x_train)
        if args.distill_weight > 0 and original.any():
            with torch.no_grad():
                soft = F.softmax(teacher(xb[:len(idx)][original]) / T, 1)
            loss = loss + args.distill_weight * T * T * F.kl_div(F.log_softmax(logits[:len(idx)][original] / T, 1), soft, reduction='batchmean')
        loss = loss + args.oe_weight * (uniform_loss(logits[len(idx):]) - np.log(10))
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
    p.add_argument('--oe-weight', type=float, default=0.5, help="outlier exposure's weight, as in train.py")
    p.add_argument('--oe-batch-size', type=int, default=64)
    p.add_argument('--distill-weight', type=float, default=1.0, help='weight of the base network as teacher on the training digits')
    p.add_argument('--no-int8', action='store_true', help='release the fp32 variant only')
    p.add_argument('--canary-share', type=float, default=0.1)
    p.add_argument('--bump', choices=['minor', 'patch'], default='minor')
    args = p.parse_args()
    torch.set_num_threads(int(os.environ.get('RETRAIN_THREADS', '2')))
    torch.use_deterministic_algorithms(True)

    with open(os.path.join(args.release_dir, 'manifest.json')) as f:
        base_manifest = json.load(f)
    fp32 = next(v for v in base_manifest['variants'] if v['id'] == 'fp32')
    base = base_net(os.path.join(args.release_dir, fp32['files'][0]['path']))
    x_train, y_train, x_test, y_test = load_split()
    if args.train_subset:
        pick = np.random.default_rng(args.seed).permutation(len(x_train))[:args.train_subset]
        x_train, y_train = x_train[pick], y_train[pick]
    x_fb, y_fb, fb_meta = load_feedback(args.feedback)
    x_oe = ensure_nondigits()
    train_idx, gate_idx = split_feedback(len(y_fb), args.feedback_holdout, args.seed)

    before = {'heldOut': accuracy(base, x_test, y_test), 'feedbackHeldOut': accuracy(base, x_fb[gate_idx], y_fb[gate_idx])}
    tuned, steps = fine_tune(base_net(os.path.join(args.release_dir, fp32['files'][0]['path'])), x_train, y_train,
                             x_fb[train_idx], y_fb[train_idx], x_oe, args)
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
