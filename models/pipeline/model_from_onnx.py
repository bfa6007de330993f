"""Rebuilds the variants from the shipped fp32 network without retraining it: writes .data/model.pt from
models/mnist/mnist-fp32.onnx (the deployed network: BN folded, so its initializers are exactly Net(bn=False)'s
state) and, when missing, .data/train_meta.json from the manifest's lineage (write_manifest.py and model_card.py
read it).

Why: train.py is deterministic on one machine but not across CPUs (on 2026-12-03 it gave other weights and 98.70%
held-out accuracy where the shipped network has 98.75%), so a rebuild that must keep fp32 (and tfjs-uint8 and
tflite-fp32, which carry its weights) starts here instead. export_onnx.py then writes a byte-identical
mnist-fp32.onnx. Afterwards run build.sh's steps from export_onnx.py on, without train.py.
Run: /usr/bin/python3 models/pipeline/model_from_onnx.py"""
import json
import os

import onnx
import torch
from onnx import numpy_helper

from data import DATA
from export_onnx import OUT
from net import Net
from train import HP

# What train.py writes to train_meta.json; write_manifest.py copies it into the lineage beside keys of its own.
TRAIN_KEYS = (*HP, 'trainSeconds', 'torchAccuracy')


def main():
    graph = onnx.load(os.path.join(OUT, 'mnist-fp32.onnx')).graph
    state = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
    net = Net(bn=False)
    net.load_state_dict(state)  # strict: fails if the ONNX file is not this architecture
    os.makedirs(DATA, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(DATA, 'model.pt'))
    meta_path = os.path.join(DATA, 'train_meta.json')
    if not os.path.exists(meta_path):
        with open(os.path.join(OUT, 'manifest.json')) as f:
            training = json.load(f)['lineage']['training']
        meta = {k: training[k] for k in TRAIN_KEYS if k in training}
        with open(meta_path, 'w') as f:
            json.dump(meta, f, indent=2)
    print('wrote .data/model.pt from mnist-fp32.onnx')


if __name__ == '__main__':
    main()
