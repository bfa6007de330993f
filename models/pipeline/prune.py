"""Magnitude pruning with fine-tuning: per-layer sparsity ramped 40% -> 60% -> 75% (conv1 kept at half the target),
each step followed by masked fine-tuning with the same augmentation and the same outlier exposure as train.py (so the
pruned model keeps refusing non-digits); writes models/mnist/mnist-pruned.onnx
(pruned, then int8 weight-only QDQ like mnist-int8.onnx) and .data/prune_meta.json."""
import json
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F

from data import DATA, augment, load_nondigits, load_split, uniform_loss
from export_onnx import OUT, export, load_net
from quantize import weight_only

HP = dict(schedule=[0.4, 0.6, 0.75], conv1Factor=0.5, epochsPerStep=int(os.environ.get('PRUNE_EPOCHS', 2)),
          lr=1e-3, batchSize=64, seed=1, oeWeight=float(os.environ.get('OE_WEIGHT', 0.5)), oeBatchSize=int(os.environ.get('OE_BATCH', 64)))


def masks_for(net, target):
    masks = {}
    for name, p in net.named_parameters():
        if name.endswith('weight'):
            s = target * (HP['conv1Factor'] if name.startswith('conv1') else 1.0)
            k = int(p.numel() * s)
            thr = p.detach().abs().flatten().kthvalue(k).values if k > 0 else -1
            masks[name] = (p.detach().abs() > thr).float()
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
        print(f'sparsity target {target}: test acc {acc:.4f}', flush=True)
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
