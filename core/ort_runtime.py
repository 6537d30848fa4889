"""Load ONNX Runtime the one way the engine does: telemetry off, and before usearch.

- Privacy: ONNX Runtime 1.32 queues telemetry events (OS, CPU, paths, device ids) for
  a Microsoft endpoint unless ORT_DISABLE_TELEMETRY=1 is set before the library loads;
  `ort.disable_telemetry_events()` does not stop it. Every entry point imports this
  module (directly, or through core.vectors) before anything else loads onnxruntime.
- Order: on some machines (seen here on a VM with virtio PCI devices of class 0xffff00),
  importing onnxruntime *after* usearch's compiled module segfaults in ORT's device
  discovery (`python -c "import usearch.compiled; import onnxruntime"`); the other
  order works. So core.vectors imports this module before usearch.
"""

from __future__ import annotations

import os

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # forced: a user setting of 0 would send it

import onnxruntime  # noqa: E402

ort = onnxruntime
