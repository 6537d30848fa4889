"""Entry point of the frozen app: the same launcher as the `photolens` console script."""

import multiprocessing
import sys

from photolens.desktop.launcher import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # decode workers are processes
    sys.exit(main())
