"""Benchmarks (figures printed, never asserted): run each as `python tests/bench/NAME.py [--quick]`."""
