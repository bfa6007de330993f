"""Checks mnist-fp32.tflite with a reference interpreter that shares no code with our writer or with LiteRT.js:
Arm NN's TF Lite parser on its CpuRef backend (Debian's python3-pyarmnn). Runs the 2,004 held-out digits and the
manifest's golden digits; writes .data/logits-tflite-fp32.f32 and .data/eval-tflite-fp32.json (accuracy, golden
outputs, differences from the fp32 ONNX variant). Fails if any label differs from fp32's or logits drift > 1e-4."""
import base64
import json
import os

import numpy as np
import pyarmnn as ann

from data import DATA, load_split
from export_onnx import OUT

MAX_DIFF = 1e-4


class ArmNN:
    def __init__(self, path):
        parser = ann.ITfLiteParser()
        net = parser.CreateNetworkFromBinaryFile(path)
        self.inp = parser.GetNetworkInputBindingInfo(0, parser.GetSubgraphInputTensorNames(0)[0])
        self.out = parser.GetNetworkOutputBindingInfo(0, parser.GetSubgraphOutputTensorNames(0)[0])
        self.rt = ann.IRuntime(ann.CreationOptions())
        opt, _ = ann.Optimize(net, [ann.BackendId('CpuRef')], self.rt.GetDeviceSpec(), ann.OptimizerOptions())
        self.net_id, _ = self.rt.LoadNetwork(opt)

    def logits(self, x):
        """x: [N, 784] float32 -> [N, 10]; the .tflite has batch 1, so one workload per digit."""
        rows = []
        for row in x:
            out = ann.make_output_tensors([self.out])
            self.rt.EnqueueWorkload(self.net_id, ann.make_input_tensors([self.inp], [row.reshape(1, 28, 28, 1)]), out)
            rows.append(ann.workload_tensors_to_ndarray(out)[0].reshape(10))
        return np.stack(rows).astype(np.float32)


def main():
    manifest = json.load(open(os.path.join(OUT, 'manifest.json')))
    fp32 = next(v for v in manifest['variants'] if v['id'] == 'fp32')
    engine = ArmNN(os.path.join(OUT, 'mnist-fp32.tflite'))
    _, _, xte, yte = load_split()
    z = engine.logits(xte.reshape(-1, 784).astype(np.float32))
    z.astype('<f4').tofile(os.path.join(DATA, 'logits-tflite-fp32.f32'))
    golden_x = np.stack([np.frombuffer(base64.b64decode(g['inputUint8']), np.uint8) for g in manifest['golden']])
    golden = engine.logits(golden_x.astype(np.float32) / 255)
    golden_diff = float(np.abs(golden - np.array(fp32['goldenOutputs'], np.float32)).max())
    onnx_logits = os.path.join(DATA, 'logits-fp32.f32')
    held_out_diff = None
    if os.path.exists(onnx_logits):  # written by evaluate.mjs in a full build
        held_out_diff = float(np.abs(z - np.fromfile(onnx_logits, '<f4').reshape(-1, 10)).max())
    accuracy = float((z.argmax(1) == yte).mean())
    res = {'id': 'tflite-fp32', 'reference': f'Arm NN {ann.ARMNN_VERSION} TF Lite parser, CpuRef backend',
           'accuracy': accuracy, 'nTest': int(len(yte)), 'goldenOutputs': golden.tolist(),
           'maxGoldenDiffVsOnnxFp32': golden_diff, 'maxHeldOutDiffVsOnnxFp32': held_out_diff}
    json.dump(res, open(os.path.join(DATA, 'eval-tflite-fp32.json'), 'w'), indent=2)
    print({k: v for k, v in res.items() if k != 'goldenOutputs'})
    if golden_diff > MAX_DIFF or (held_out_diff is not None and held_out_diff > MAX_DIFF):
        raise SystemExit(f'tflite logits differ from the fp32 ONNX model by more than {MAX_DIFF}')
    if abs(accuracy - fp32['accuracy']) > 1e-6:
        raise SystemExit(f"tflite accuracy {accuracy} differs from fp32's {fp32['accuracy']}")


if __name__ == '__main__':
    main()
