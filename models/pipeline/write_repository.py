"""Writes the Triton model repository for the reference server: models/repository/{mnist,mnist_int8}/.

No queue delay: onnxruntime-node runs session.run on the server's JS thread, so requests that
arrive during a run queue up and form the next batch anyway. `npm run bench:server` measured,
binary batch-1 requests: 0 us and 2,000 us batch equally well at 64 connections (7,539 vs 7,580
req/s), but 2,000 us cost 5x at 1 connection (326 vs 1,585 req/s).
"""
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.join(HERE, '..', 'repository')
MNIST = os.path.join(HERE, '..', 'mnist')

CONFIG = '''name: "{name}"
platform: "onnxruntime_onnx"
max_batch_size: 64
input [
  {{
    name: "input"
    data_type: TYPE_FP32
    dims: [ 1, 28, 28 ]
  }}
]
output [
  {{
    name: "logits"
    data_type: TYPE_FP32
    dims: [ 10 ]
  }}
]
dynamic_batching {{
  max_queue_delay_microseconds: 0
}}
version_policy: {{ latest {{ num_versions: 1 }} }}
'''

if __name__ == '__main__':
    for name, src in (('mnist', 'mnist-fp32.onnx'), ('mnist_int8', 'mnist-int8.onnx')):
        path = os.path.join(MNIST, src)
        if not os.path.exists(path):
            print('skip', name, '(no', src + ')')
            continue
        os.makedirs(os.path.join(REPO, name, '1'), exist_ok=True)
        with open(os.path.join(REPO, name, 'config.pbtxt'), 'w') as f:
            f.write(CONFIG.format(name=name))
        shutil.copyfile(path, os.path.join(REPO, name, '1', 'model.onnx'))
        print('wrote repository/' + name)
