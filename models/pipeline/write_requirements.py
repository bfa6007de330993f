"""Writes each ONNX variant's `requires` into ../mnist/manifest.json, read from the exported graph itself.

- `opset`: the graph's default-domain opset (the plan skips a runtime that runs a lower one,
  src/plan/requirements.ts: onnxruntime-web 1.30 runs up to 21).
- `features: ["int8"]`: the graph quantizes activations (QuantizeLinear), so it needs a runtime with
  integer kernels; weight-only dequantization (the pruned variant) runs anywhere.

TF.js and TF Lite variants get no `requires`: nothing in them is known to need more than the
runtimes built in here (the proof still checks every start).
"""
import json
from pathlib import Path

import onnx

HERE = Path(__file__).resolve().parent
MANIFEST = HERE.parent / "mnist" / "manifest.json"


def requirements(path: Path) -> dict:
    graph = onnx.load(str(path))
    opset = next(entry.version for entry in graph.opset_import if entry.domain in ("", "ai.onnx"))
    ops = {node.op_type for node in graph.graph.node}
    out: dict = {"opset": opset}
    if "QuantizeLinear" in ops or any(op.startswith("QLinear") for op in ops):
        out["features"] = ["int8"]
    return out


def main() -> None:
    manifest = json.loads(MANIFEST.read_text())
    for variant in manifest["variants"]:
        if variant["format"] != "onnx":
            continue
        model = next(f for f in variant["files"] if f["path"].endswith(".onnx"))
        variant["requires"] = requirements(MANIFEST.parent / model["path"])
        print(f"{variant['id']}: requires {json.dumps(variant['requires'])}")
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
