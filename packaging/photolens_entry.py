"""Entry point of the frozen app: the same launcher as the `photolens` console script."""

import multiprocessing
import os
import sys

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # before ONNX Runtime can load (core/ort_runtime.py)

from photolens.desktop.launcher import main  # noqa: E402

if __name__ == "__main__":
    multiprocessing.freeze_support()  # decode workers are processes
    sys.exit(main())
