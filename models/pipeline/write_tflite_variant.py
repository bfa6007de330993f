"""Adds (or refreshes) the tflite-fp32 variant in models/mnist/manifest.json from .data/eval-tflite-fp32.json
(verify_tflite.py), and its section in MODEL_CARD.md. Runs after write_manifest.py and before model_card.py (which keeps the section), so the
TF Lite export can be rebuilt and re-checked without retraining."""
import json
import os
import re

from data import DATA
from export_onnx import OUT
from write_manifest import file_entry

LITERT_RT = ['litert-wasm', 'litert-webgpu']
TOLERANCE = 1e-3  # as fp32 ONNX: LiteRT.js (XNNPack) must reproduce Arm NN's reference outputs to this
BEGIN, END = '<!-- tflite:begin -->', '<!-- tflite:end -->'


def main():
    ev = json.load(open(os.path.join(DATA, 'eval-tflite-fp32.json')))
    path = os.path.join(OUT, 'manifest.json')
    manifest = json.load(open(path))
    v = {'id': 'tflite-fp32', 'format': 'tflite', 'precision': 'fp32', 'runtimes': LITERT_RT,
         'files': [file_entry('mnist-fp32.tflite')], 'accuracy': round(ev['accuracy'], 6), 'tolerance': TOLERANCE,
         'goldenOutputs': [[round(float(a), 6) for a in row] for row in ev['goldenOutputs']]}
    manifest['variants'] = [x for x in manifest['variants'] if x['id'] != v['id']] + [v]
    manifest['lineage']['training']['tflite'] = (
        'TF Lite flatbuffer (schema v3) written from the fp32 ONNX weights by export_tflite.ts (NHWC, batch 1); '
        f"checked with {ev['reference']}")
    with open(path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')

    card_path = os.path.join(OUT, 'MODEL_CARD.md')
    card = open(card_path).read()
    held_out = ev['maxHeldOutDiffVsOnnxFp32']
    section = '\n'.join([
        BEGIN,
        '## TF Lite variant (`tflite-fp32`, LiteRT.js)',
        '',
        'The same trained fp32 network written as a TF Lite flatbuffer by `models/pipeline/export_tflite.ts` (no '
        'TensorFlow: the `flatbuffers` package and TF Lite\'s builtin CONV_2D, MAX_POOL_2D, RESHAPE and '
        'FULLY_CONNECTED operators; NHWC, batch 1). It runs on LiteRT.js (`litert-wasm`, `litert-webgpu`).',
        '',
        f"- Checked by a reference interpreter that shares no code with the writer or LiteRT.js: {ev['reference']}.",
        f"- Held-out accuracy: {ev['accuracy'] * 100:.2f}% ({ev['nTest']} digits), the same digits right as fp32 ONNX.",
        f"- Largest logit difference from the fp32 ONNX model: {ev['maxGoldenDiffVsOnnxFp32']:.1e} on the golden digits"
        + (f', {held_out:.1e} on the held-out digits.' if held_out is not None else '.'),
        f'- Golden outputs in the manifest are Arm NN\'s; LiteRT.js must reproduce them within {TOLERANCE}.',
        '- int8 TF Lite is not shipped: see the README (LiteRT.js section) for what was tried.',
        END,
    ])
    if BEGIN in card:
        card = re.sub(re.escape(BEGIN) + '.*?' + re.escape(END), lambda _: section, card, flags=re.S)
    else:
        card = card.rstrip('\n') + '\n\n' + section + '\n'
    open(card_path, 'w').write(card)
    print(f"manifest: tflite-fp32 variant, accuracy {v['accuracy']}")


if __name__ == '__main__':
    main()
