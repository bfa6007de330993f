"""Builds both int8 candidates from mnist-fp32.onnx into .data/: weight-only QDQ and fully-quantised QDQ
(activations calibrated on the first 2,000 training digits). select_int8.py later ships the winner."""
import os

import onnx

from data import DATA, load_split
from export_onnx import OUT, load_net
from quantize import calibrate, full, weight_only

if __name__ == '__main__':
    fp32 = os.path.join(OUT, 'mnist-fp32.onnx')
    onnx.save(weight_only(onnx.load(fp32)), os.path.join(DATA, 'cand-int8-weightonly.onnx'))
    xtr = load_split()[0]
    ranges = calibrate(load_net(), xtr[:2000])
    onnx.save(full(onnx.load(fp32), ranges), os.path.join(DATA, 'cand-int8-full.onnx'))
    print('int8 candidates written; relu ranges', [round(r, 3) for r in ranges])
