"""Exports .data/model.pt (BN folded) to models/mnist/mnist-fp32.onnx (input `input` [N,1,28,28], output `logits` [N,10])."""
import os

import onnx
import torch

from data import DATA
from net import Net

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'mnist')
OPSET = 13


def load_net():
    net = Net(bn=False)
    net.load_state_dict(torch.load(os.path.join(DATA, 'model.pt')))
    return net.eval()


def export(net, path):
    torch.onnx.export(net.eval(), torch.zeros(1, 1, 28, 28), path, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=OPSET,
                      do_constant_folding=True)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name, m.producer_version = 'modelship-pipeline', '1'
    onnx.save(m, path)


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    export(load_net(), os.path.join(OUT, 'mnist-fp32.onnx'))
    print('wrote mnist-fp32.onnx')
