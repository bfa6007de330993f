"""Writes the trained fp32 network as a TensorFlow.js layers model with uint8-quantised weights
(models/mnist/tfjs/model.json + group1-shard1of1.bin), NHWC: input [N,28,28,1], output logits [N,10] (no softmax).
Then computes what tfjs will compute (dequantised uint8 weights, float32) on the held-out set and the golden digits:
.data/logits-tfjs-uint8.f32 and .data/eval-tfjs-uint8.json."""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

from data import DATA
from export_onnx import OUT, load_net

TFJS = os.path.join(OUT, 'tfjs')
SHARD = 'group1-shard1of1.bin'


def quantize_uint8(w):
    """tensorflowjs converter's affine uint8 quantisation (zero nudged to be exactly representable)."""
    lo, hi = min(float(w.min()), 0.0), max(float(w.max()), 0.0)
    scale = (hi - lo) / 255 if hi > lo else 1.0
    zp = round(-lo / scale)
    nmin = -zp * scale
    q = np.round((np.clip(w.astype(np.float64), nmin, nmin + 255 * scale) - nmin) / scale).astype(np.uint8)
    return q, nmin, scale


def dequantize(q, qmeta):
    return (q.astype(np.float64) * qmeta['scale'] + qmeta['min']).astype(np.float32)


def layer(cls, name, **cfg):
    return {'class_name': cls, 'config': dict(name=name, trainable=True, dtype='float32', **cfg)}


def topology(net):
    conv = lambda name, filters: layer('Conv2D', name, filters=filters, kernel_size=[3, 3], strides=[1, 1],
                                       padding='same', data_format='channels_last', dilation_rate=[1, 1], groups=1,
                                       activation='relu', use_bias=True)
    pool = lambda name: layer('MaxPooling2D', name, pool_size=[2, 2], padding='valid', strides=[2, 2],
                              data_format='channels_last')
    dense = lambda name, units, act: layer('Dense', name, units=units, activation=act, use_bias=True)
    layers = [{'class_name': 'InputLayer', 'config': {'batch_input_shape': [None, 28, 28, 1], 'dtype': 'float32',
                                                       'sparse': False, 'ragged': False, 'name': 'input'}},
              conv('conv1', net.conv1.out_channels), pool('pool1'), conv('conv2', net.conv2.out_channels),
              pool('pool2'), layer('Flatten', 'flatten', data_format='channels_last'),
              dense('fc1', net.fc1.out_features, 'relu'), dense('fc2', 10, 'linear')]
    return {'class_name': 'Sequential', 'config': {'name': 'mnist', 'layers': layers}}


def nhwc_weights(net):
    c2 = net.conv2.out_channels
    sd = {k: v.detach().numpy().astype(np.float32) for k, v in net.state_dict().items()}
    fc1 = sd['fc1.weight'].reshape(-1, c2, 7, 7).transpose(2, 3, 1, 0).reshape(c2 * 49, -1)  # (c,h,w) -> (h,w,c) rows
    return [('conv1/kernel', sd['conv1.weight'].transpose(2, 3, 1, 0)), ('conv1/bias', sd['conv1.bias']),
            ('conv2/kernel', sd['conv2.weight'].transpose(2, 3, 1, 0)), ('conv2/bias', sd['conv2.bias']),
            ('fc1/kernel', fc1), ('fc1/bias', sd['fc1.bias']),
            ('fc2/kernel', sd['fc2.weight'].T), ('fc2/bias', sd['fc2.bias'])]


def forward_nhwc(w, x):
    """The layers model's computation on NHWC input with the given (dequantised) weights."""
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    with torch.no_grad():
        h = t(x).permute(0, 3, 1, 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, t(w['conv1/kernel']).permute(3, 2, 0, 1), t(w['conv1/bias']), padding=1)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, t(w['conv2/kernel']).permute(3, 2, 0, 1), t(w['conv2/bias']), padding=1)), 2)
        h = h.permute(0, 2, 3, 1).reshape(len(x), -1)
        h = F.relu(h @ t(w['fc1/kernel']) + t(w['fc1/bias']))
        return (h @ t(w['fc2/kernel']) + t(w['fc2/bias'])).numpy()


def main():
    os.makedirs(TFJS, exist_ok=True)
    net = load_net()
    specs, blobs, deq = [], [], {}
    for name, w in nhwc_weights(net):
        q, nmin, scale = quantize_uint8(w)
        meta = {'dtype': 'uint8', 'min': nmin, 'scale': scale, 'original_dtype': 'float32'}
        specs.append({'name': name, 'shape': list(w.shape), 'dtype': 'float32', 'quantization': meta})
        blobs.append(q.tobytes())
        deq[name] = dequantize(q, meta)
    with open(os.path.join(TFJS, SHARD), 'wb') as f:
        f.write(b''.join(blobs))
    model = {'format': 'layers-model', 'generatedBy': 'modelship models/pipeline/export_tfjs.py',
             'convertedBy': 'modelship models/pipeline/export_tfjs.py (hand-written, tfjs-converter layout)',
             'modelTopology': {'keras_version': '2.15.0', 'backend': 'tensorflow', 'model_config': topology(net)},
             'weightsManifest': [{'paths': [SHARD], 'weights': specs}]}
    with open(os.path.join(TFJS, 'model.json'), 'w') as f:
        json.dump(model, f, indent=2)
    xte = np.fromfile(os.path.join(DATA, 'test.f32'), dtype='<f4').reshape(-1, 28, 28, 1)
    logits = forward_nhwc(deq, xte)
    logits.astype('<f4').tofile(os.path.join(DATA, 'logits-tfjs-uint8.f32'))
    golden = np.fromfile(os.path.join(DATA, 'golden.u8'), dtype=np.uint8).reshape(-1, 28, 28, 1).astype(np.float32) / 255
    y = np.fromfile(os.path.join(DATA, 'test.u8'), dtype=np.uint8)
    with torch.no_grad():
        ref = load_net()(torch.from_numpy(xte.reshape(-1, 1, 28, 28))).numpy()
    res = {'id': 'tfjs-uint8', 'accuracy': float((logits.argmax(1) == y).mean()),
           'goldenOutputs': forward_nhwc(deq, golden).astype(np.float64).tolist(),
           'labelAgreementWithFp32': float((logits.argmax(1) == ref.argmax(1)).mean()),
           'maxAbsDiffVsFp32': float(np.abs(logits - ref).max())}
    with open(os.path.join(DATA, 'eval-tfjs-uint8.json'), 'w') as f:
        json.dump(res, f, indent=2)
    print('tfjs acc', round(res['accuracy'], 4), 'agreement with fp32', res['labelAgreementWithFp32'])


if __name__ == '__main__':
    main()
