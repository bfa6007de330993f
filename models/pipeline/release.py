"""Flips a model folder's channels after a canary release (retrain.py):

  /usr/bin/python3 release.py promote  --dir DIR   the canary version becomes the stable one: DIR/manifest.json is
                                                    rewritten as the canary's manifest (file paths into its folder),
                                                    with no channels, so every installation gets it
  /usr/bin/python3 release.py rollback --dir DIR   the canary channel is removed: every installation is on the
                                                    stable version again (devices on the canary switch back)
Prints one JSON line: the action and the version now served to everyone.
"""
import argparse
import json
import os
import posixpath
import sys


def read(path):
    with open(path) as f:
        return json.load(f)


def write(path, manifest):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # readers see the old manifest or the new one, never half of one


def canary_of(top):
    canary = next((c for c in top.get('channels', []) if c['name'] == 'canary'), None)
    if canary is None or 'manifest' not in canary:
        sys.exit('no canary channel with a manifest to act on')
    return canary


def promote(folder):
    path = os.path.join(folder, 'manifest.json')
    canary = canary_of(read(path))
    sub = posixpath.dirname(canary['manifest'])
    promoted = read(os.path.join(folder, canary['manifest']))
    for variant in promoted['variants']:
        for file in variant['files']:
            file['path'] = posixpath.join(sub, file['path'])
    if 'modelCard' in promoted:
        promoted['modelCard'] = posixpath.join(sub, promoted['modelCard'])
    promoted.pop('channels', None)
    write(path, promoted)
    return promoted['version']


def rollback(folder):
    path = os.path.join(folder, 'manifest.json')
    top = read(path)
    canary_of(top)
    top.pop('channels', None)
    write(path, top)
    return top['version']


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('action', choices=['promote', 'rollback'])
    p.add_argument('--dir', required=True)
    a = p.parse_args()
    version = (promote if a.action == 'promote' else rollback)(a.dir)
    print(json.dumps({'action': a.action, 'version': version}))
