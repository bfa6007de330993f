"""Magnitude pruning with fine-tuning: sparsity ramped 40% -> 60% -> 75% of all weights, each step followed by masked
fine-tuning with the same augmentation and the same outlier exposure as train.py (so the pruned model keeps refusing
non-digits); writes models/mnist/mnist-pruned.onnx (pruned, then int8 weight-only QDQ like mnist-int8.onnx) and
.data/prune_meta.json.

One magnitude threshold over conv2, fc1 and fc2 together (global pruning), conv1 pruned on its own at half the
target: the 144 weights of conv1 are every feature the network sees. Per-layer pruning at the same 75% (every layer but conv1
75%) took as many weights from conv2 (4.6k) as from fc1 (100k, most of them redundant); global pruning leaves conv2
at about half and takes fc1 to about 76%. Experiments on this machine (2026-12-03), everything else equal, chosen on
held-out accuracy (torch) and the share of calibration non-digits abstained on (calibrate.ts, 1.5% digit budget):
per-layer, 2 fine-tuning epochs per step (the earlier recipe) 98.15% / 89.1%; global, 2 epochs 98.40% / 92.3%;
global, 4 epochs 98.70% / 92.0%; global, 6 epochs 98.90% / 92.3%. Distilling the fp32 network's logits (MSE, weight
1 or 10) and 4 epochs per layer did not do better. The run that ships (this recipe, run again: the script is not
bit-reproducible from run to run with 2 threads, the same settings gave 98.60% here) abstains on 91.6% of
calibration non-digits; MODEL_CARD.md has its test-split figures.

Also tried (2026-12-03, each run twice, compared by the mean share of calibration non-digits abstained on): outlier
exposure weight 1.0 (92.1%), distillation from the fp32 network (KL on outputs softened at temperature 2, weight 1, on
digits and non-digits; 92.2%), both (91.5%), against 92.0% for this recipe (92.3% and 91.6%): within the run-to-run
spread. Not adopted: the distilled run would have tied int8's held-out accuracy (98.70%) and so become `auto`'s choice
on onnxruntime, and it abstained on 14.4% of the printed-digit control (this file: 10.6%)."""
import json
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F

from data import DATA, augment, load_nondigits, load_split, uniform_loss
from export_onnx import OUT, export, load_net
from quantize import weight_only

HP = dict(schedule=[0.4, 0.6, 0.75], method='global magnitude (conv2, fc1, fc2 under one threshold; conv1 on its own)', conv1Factor=0.5,
          epochsPerStep=int(os.environ.get('PRUNE_EPOCHS', 6)),
          lr=1e-3, batchSize=64, seed=1, oeWeight=float(os.environ.get('OE_WEIGHT', 0.5)), oeBatchSize=int(os.environ.get('OE_BATCH', 64)))


def masks_for(net, target):
    """Masks leaving `target` of all weights zero: conv1 on its own at conv1Factor x target, the rest under one threshold."""
    weights = {n: p.detach() for n, p in net.named_parameters() if n.endswith('weight')}
    total = sum(w.numel() for w in weights.values())
    conv1 = weights['conv1.weight']
    k1 = int(conv1.numel() * target * HP['conv1Factor'])
    masks = {'conv1.weight': (conv1.abs() > (conv1.abs().flatten().kthvalue(k1).values if k1 > 0 else -1)).float()}
    rest = [n for n in weights if n != 'conv1.weight']
    k = int(total * target) - k1
    threshold = torch.cat([weights[n].abs().flatten() for n in rest]).kthvalue(k).values
    for n in rest:
        masks[n] = (weights[n].abs() > threshold).float()
    return masks


def main():
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(HP['seed'])
    gen = torch.Generator().manual_seed(HP['seed'])
    xtr, ytr, xte, yte = load_split()
    X, Y = torch.from_numpy(xtr), torch.from_numpy(ytr)
    O = torch.from_numpy(load_nondigits('train'))
    net = load_net()
    params = dict(net.named_parameters())
    for target in HP['schedule']:
        masks = masks_for(net, target)
        opt = torch.optim.Adam(net.parameters(), lr=HP['lr'])
        steps = len(X) // HP['batchSize']
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, HP['epochsPerStep'] * steps)
        for _ in range(HP['epochsPerStep']):
            net.train()
            perm = torch.randperm(len(X), generator=gen)
            for i in range(steps):
                with torch.no_grad():
                    for n, m in masks.items():
                        params[n].mul_(m)
                idx = perm[i * HP['batchSize']:(i + 1) * HP['batchSize']]
                oe_idx = torch.randint(len(O), (HP['oeBatchSize'],), generator=gen)
                logits = net(augment(torch.cat([X[idx], O[oe_idx]]), gen))
                loss = F.cross_entropy(logits[:len(idx)], Y[idx], label_smoothing=0.05)
                loss = loss + HP['oeWeight'] * (uniform_loss(logits[len(idx):]) - np.log(10))
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        with torch.no_grad():
            for n, m in masks.items():
                params[n].mul_(m)
        net.eval()
        with torch.no_grad():
            acc = float((net(torch.from_numpy(xte)).argmax(1).numpy() == yte).mean())
        per_layer = {n: round(float(1 - m.mean()), 3) for n, m in masks.items()}
        print(f'sparsity target {target}: test acc {acc:.4f}, per layer {per_layer}', flush=True)
    w = [p.detach().numpy() for n, p in net.named_parameters() if n.endswith('weight')]
    sparsity = float(sum((a == 0).sum() for a in w) / sum(a.size for a in w))
    tmp = os.path.join(DATA, 'pruned-fp32.onnx')
    export(net, tmp)
    onnx.save(weight_only(onnx.load(tmp)), os.path.join(OUT, 'mnist-pruned.onnx'))
    with open(os.path.join(DATA, 'prune_meta.json'), 'w') as f:
        json.dump(dict(HP, sparsity=sparsity, torchAccuracy=acc), f, indent=2)
    print(f'wrote mnist-pruned.onnx, weight sparsity {sparsity:.3f}')


if __name__ == '__main__':
    main()
