"""Releases a gated, fine-tuned model into a model folder: DIR/<version>/ with its ONNX files (fp32, and int8
weight-only unless --no-int8), manifest and model card; fits the version's abstention thresholds and temperature
(calibrate.ts on the new files, which also writes the card's monitoring section); only then is DIR/manifest.json's
`channels` updated so the new version is on `canary` at the given share."""
import base64
import copy
import datetime
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from export_onnx import export
from net import Net
from quantize import weight_only

HERE = os.path.dirname(os.path.abspath(__file__))


def next_version(version, bump):
    major, minor, patch = (int(part) for part in version.split('-')[0].split('+')[0].split('.'))
    return f'{major}.{minor + 1}.0' if bump == 'minor' else f'{major}.{minor}.{patch + 1}'


def code_revision():
    try:
        rev = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=HERE, check=True, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(['git', 'status', '--porcelain', '--', '.'], cwd=HERE, capture_output=True, text=True).stdout.strip()
        return rev + ('+dirty' if dirty else '')
    except (subprocess.CalledProcessError, FileNotFoundError):
        return 'unknown'


def file_entry(folder, rel):
    data = open(os.path.join(folder, rel), 'rb').read()
    return {'path': rel, 'bytes': len(data), 'gzipBytes': len(gzip.compress(data, 9, mtime=0)),
            'sha256': hashlib.sha256(data).hexdigest()}


def golden_outputs(net, manifest):
    x = np.stack([np.frombuffer(base64.b64decode(g['inputUint8']), dtype=np.uint8) for g in manifest['golden']])
    with torch.no_grad():
        out = net(torch.from_numpy((x.astype(np.float32) / 255).reshape(-1, 1, 28, 28))).numpy()
    return [[round(float(v), 6) for v in row] for row in out]


def dequantised_net(path):
    """The network an int8 weight-only ONNX file computes: its int8 weights times their scales, biases as stored."""
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    weights = {}
    for name in Net(bn=False).state_dict():
        if name + '_q' in inits:
            q, s = inits[name + '_q'].astype(np.float32), inits[name + '_scale']
            weights[name] = torch.from_numpy(q * s.reshape((-1,) + (1,) * (q.ndim - 1)))
        else:
            weights[name] = torch.from_numpy(inits[name].copy())
    net = Net(bn=False)
    net.load_state_dict(weights)
    return net.eval()


def accuracy(net, x, y):
    with torch.no_grad():
        return float((net.eval()(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def calibrate(folder):
    """Runs calibrate.ts on the release folder: manifest.monitoring (temperature, thresholds, references) and the
    model card's monitoring section for the new weights. Returns its report (every measured number)."""
    out = tempfile.mkdtemp(prefix='modelship-calibrate-')
    try:
        report = os.path.join(out, 'monitoring.json')
        subprocess.run(['node', '--import', 'tsx', os.path.join(HERE, 'calibrate.ts'), '--dir', folder, '--report', report],
                       cwd=os.path.join(HERE, '..', '..'), check=True, stdout=subprocess.DEVNULL)
        with open(report) as f:
            return json.load(f)['variants']
    finally:
        shutil.rmtree(out, ignore_errors=True)


def write_model_card(folder, manifest, report, base_version):
    b, a, fb = report['before'], report['after'], report['feedback']
    pct = lambda v: f'{v * 100:.2f}%'
    text = f"""# {manifest['name']} {manifest['version']} (fine-tuned on user feedback)

A fine-tune of {manifest['name']} {base_version} on the original training data plus user feedback, with outlier
exposure kept (non-digits pushed towards "none of these", as in training). It ships the variants
{', '.join(v['id'] for v in manifest['variants'])} (int8 is weight-only: int8 weights, fp32 arithmetic); pruned, tfjs and tflite
come from a full `models/pipeline/build.sh` run.

| | {base_version} | {manifest['version']} |
|---|---|---|
| held-out accuracy ({manifest['lineage']['data']['testCount']} digits) | {pct(b['heldOut'])} | {pct(a['heldOut'])} |
| accuracy on held-out feedback ({fb['heldOut']} items, never trained on) | {pct(b['feedbackHeldOut'])} | {pct(a['feedbackHeldOut'])} |

Gate: held-out accuracy may drop by at most 0.1 pp; accuracy on held-out feedback must improve. Both passed.

## Lineage
- base version: {base_version}
- feedback dataset: sha256 `{fb['sha256']}`, {fb['count']} items ({fb['trained']} trained on, {fb['heldOut']} held out)
- code revision: `{manifest['lineage']['code']['revision']}`
- training: {json.dumps({k: v for k, v in manifest['lineage']['training'].items() if k.startswith('fineTune')})}

## Release
Published on the `canary` channel; `models/pipeline/release.py promote --dir DIR` makes it the stable version,
`release.py rollback --dir DIR` takes it off the canary channel.
"""
    with open(os.path.join(folder, 'MODEL_CARD.md'), 'w') as f:
        f.write(text)


def release(net, base_manifest, args, report, x_test, y_test):
    base_version = base_manifest['version']
    version = next_version(base_version, args.bump)
    folder = os.path.join(args.release_dir, version)
    os.makedirs(folder, exist_ok=True)
    export(net, os.path.join(folder, 'mnist-fp32.onnx'))
    manifest = copy.deepcopy(base_manifest)
    manifest.pop('channels', None)
    manifest['version'] = version
    fp32 = next(v for v in base_manifest['variants'] if v['id'] == 'fp32')
    manifest['variants'] = [{**fp32, 'files': [file_entry(folder, 'mnist-fp32.onnx')], 'accuracy': round(report['after']['heldOut'], 6),
                             'goldenOutputs': golden_outputs(net, manifest)}]
    int8 = next((v for v in base_manifest['variants'] if v['id'] == 'int8'), None)
    if int8 is not None and not args.no_int8:
        path = os.path.join(folder, 'mnist-int8.onnx')
        onnx.save(weight_only(onnx.load(os.path.join(folder, 'mnist-fp32.onnx'))), path)
        dq = dequantised_net(path)
        report['after']['heldOutInt8'] = accuracy(dq, x_test, y_test)
        # The build's rule for int8 (select_int8.py): at most 0.3 pp below fp32, or it does not ship.
        if report['after']['heldOut'] - report['after']['heldOutInt8'] <= 0.003:
            manifest['variants'].append({**int8, 'files': [file_entry(folder, 'mnist-int8.onnx')],
                                         'accuracy': round(report['after']['heldOutInt8'], 6), 'goldenOutputs': golden_outputs(dq, manifest)})
        else:
            os.remove(path)
            report['int8Skipped'] = 'int8 weight-only loses more than 0.3 pp against fp32'
            print(f"warning: {report['int8Skipped']}; the release ships fp32 only", file=sys.stderr)
    # The monitoring block may only name variants this release ships; calibrate() below refits all of it.
    monitoring = manifest.get('monitoring')
    if monitoring and isinstance(monitoring.get('variants'), dict):
        shipped = {v['id'] for v in manifest['variants']}
        monitoring['variants'] = {k: v for k, v in monitoring['variants'].items() if k in shipped}
    fb = report['feedback']
    lineage = manifest['lineage']
    lineage['data'] = {**lineage['data'], 'source': f"{lineage['data']['source']} + user feedback sha256:{fb['sha256']} ({fb['count']} items)"}
    lineage['code'] = {'revision': code_revision(), 'entry': 'models/pipeline/retrain.py'}
    lineage['training'] = {
        'architecture': lineage['training'].get('architecture', ''),
        'onnxOpset': lineage['training'].get('onnxOpset', 13),
        'baseVersion': base_version,
        'feedbackSha256': fb['sha256'],
        'feedbackCount': fb['count'],
        'feedbackHeldOut': fb['heldOut'],
        'fineTuneEpochs': args.epochs,
        'fineTuneSteps': report['steps'],
        'fineTuneLr': args.lr,
        'fineTuneSeed': args.seed,
        'fineTuneFeedbackWeight': args.feedback_weight,
        'fineTuneTrainSubset': args.train_subset,
        'fineTuneAugmentation': 'data.augment, as in training',
        'fineTuneOutlierExposureWeight': args.oe_weight,
        'fineTuneOutlierExposureBatchSize': args.oe_batch_size,
        'fineTuneOutlierExposureData': 'nondigits.py train split (34 faces: DejaVu Sans, Open Sans, Roboto, Noto, TeX Gyre; seed 11)',
        'fineTuneDistillWeight': args.distill_weight,
        'heldOutAccuracyBefore': round(report['before']['heldOut'], 6),
        'feedbackHeldOutAccuracyBefore': round(report['before']['feedbackHeldOut'], 6),
        'feedbackHeldOutAccuracyAfter': round(report['after']['feedbackHeldOut'], 6),
    }
    lineage['createdAt'] = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace('+00:00', 'Z')
    manifest['modelCard'] = 'MODEL_CARD.md'
    write_model_card(folder, manifest, report, base_version)
    with open(os.path.join(folder, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    abstention = calibrate(folder)  # before the channels name this version: no device gets it with the old thresholds

    top = copy.deepcopy(base_manifest)
    share = round(args.canary_share, 6)
    top['channels'] = [{'name': 'stable', 'version': base_version, 'share': round(1 - share, 6)},
                       {'name': 'canary', 'version': version, 'share': share, 'manifest': f'{version}/manifest.json'}]
    with open(os.path.join(args.release_dir, 'manifest.json'), 'w') as f:
        json.dump(top, f, indent=2)
        f.write('\n')
    return {'version': version, 'manifest': os.path.join(folder, 'manifest.json'), 'canaryShare': share,
            'variants': [v['id'] for v in manifest['variants']],
            'abstention': {k: {n: r[n] for n in ('temperature', 'abstainDigitsTest', 'abstainNonDigitsTest', 'eceAfterTest')}
                           for k, r in abstention.items()}}
