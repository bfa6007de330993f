"""Outlier exposure (Hendrycks et al., ICLR 2019): fine-tunes the trained digit classifier (.data/model-base.pt, from
train.py) so that it spreads its probability over the ten classes on pictures that are no digit. Every step feeds a
batch of training digits (cross-entropy, label smoothing as in train.py) and a batch of training-split non-digits
(nondigits.py, preprocessed by preprocess_nondigits.ts; never a calibration or test picture) whose loss is the
cross-entropy against the uniform distribution, weighted by `oeWeight`; both are augmented like the digits (data.augment).
On the digits the trained network is also a teacher (distillation, weight `distillWeight`), so their accuracy holds.
Fine-tuning a trained network, as the paper does for its pre-trained models, rather than training from scratch: the
digits' accuracy is kept and the step costs a few epochs. calibrate.ts then fits the abstain thresholds on the
calibration split. Writes .data/model.pt (the network every later step exports) and .data/oe_meta.json.
Env (experiments): OE_EPOCHS, OE_WEIGHT, OE_LR, OE_DISTILL, MODEL_OUT (write elsewhere than .data/model.pt)."""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import DATA, augment, load_nondigits, load_split, uniform_loss
from net import Net

HP = dict(seed=0, epochs=int(os.environ.get('OE_EPOCHS', 5)), batchSize=64, oeBatchSize=64,
          oeWeight=float(os.environ.get('OE_WEIGHT', 0.5)), optimizer='AdamW', lr=float(os.environ.get('OE_LR', 1e-3)),
          distillWeight=float(os.environ.get('OE_DISTILL', 1.0)), distillTemperature=2.0,
          weightDecay=1e-4, schedule='cosine', labelSmoothing=0.05, threads=2,
          oeData='nondigits.py train split (DejaVu Sans faces, seed 11, 2/3 of the glyphs)')


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        return float((net(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def main():
    torch.set_num_threads(HP['threads'])
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(HP['seed'])
    gen = torch.Generator().manual_seed(HP['seed'])
    xtr, ytr, xte, yte = load_split()
    X, Y, O = torch.from_numpy(xtr), torch.from_numpy(ytr), torch.from_numpy(load_nondigits('train'))
    net = Net(bn=False)  # the deployed form (batch-norm folded by train.py): what ships is what is fine-tuned
    net.load_state_dict(torch.load(os.path.join(DATA, 'model-base.pt')))
    # The trained network as a teacher on the digits (distillation): learning to refuse non-digits at this learning
    # rate otherwise costs about 0.2 pp of held-out accuracy; the teacher's soft answers hold the digits in place.
    teacher = Net(bn=False)
    teacher.load_state_dict(net.state_dict())
    teacher.eval()
    T = HP['distillTemperature']
    before = accuracy(net, xte, yte)
    opt = torch.optim.AdamW(net.parameters(), lr=HP['lr'], weight_decay=HP['weightDecay'])
    steps = len(X) // HP['batchSize']
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, HP['epochs'] * steps)
    t0 = time.time()
    for ep in range(HP['epochs']):
        net.train()
        perm = torch.randperm(len(X), generator=gen)
        for i in range(steps):
            idx = perm[i * HP['batchSize']:(i + 1) * HP['batchSize']]
            oe_idx = torch.randint(len(O), (HP['oeBatchSize'],), generator=gen)
            xb = augment(torch.cat([X[idx], O[oe_idx]]), gen)
            logits = net(xb)
            with torch.no_grad():
                soft = F.softmax(teacher(xb[:len(idx)]) / T, 1)
            digits = F.cross_entropy(logits[:len(idx)], Y[idx], label_smoothing=HP['labelSmoothing'])
            distill = F.kl_div(F.log_softmax(logits[:len(idx)] / T, 1), soft, reduction='batchmean') * T * T
            outliers = uniform_loss(logits[len(idx):]) - np.log(10)  # 0 when the ten classes get 1/10 each
            loss = digits + HP['distillWeight'] * distill + HP['oeWeight'] * outliers
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f'epoch {ep + 1} digits {digits.item():.3f} outliers {outliers.item():.3f} test acc {accuracy(net, xte, yte):.4f} '
              f'{time.time() - t0:.0f}s', flush=True)
    net.eval()
    acc = accuracy(net, xte, yte)
    print(f'held-out accuracy {before:.4f} -> {acc:.4f}')
    out = os.environ.get('MODEL_OUT', os.path.join(DATA, 'model.pt'))
    torch.save(net.state_dict(), out)
    meta = os.path.join(DATA, 'oe_meta.json') if 'MODEL_OUT' not in os.environ else out[:-3] + '_meta.json'
    with open(meta, 'w') as f:
        json.dump(dict(HP, seconds=round(time.time() - t0), accuracyBefore=before, torchAccuracy=acc), f, indent=2)
    return 0 if acc >= 0.985 else 1


if __name__ == '__main__':
    sys.exit(main())
