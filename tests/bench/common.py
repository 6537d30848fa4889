"""Shared pieces of the benchmarks: the machine header, memory readings, cached models, options.

Every benchmark prints the machine it ran on (CPU model, cores, Python, onnxruntime, ...)
and whether something else was loading the machine, because timings on a shared 2-core
box mean little without that.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = REPO / ".cache" / "bench"
TRAIN_PID_FILE = REPO / ".cache" / "oracle" / "train.pid"


# -- the machine -------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(module: str) -> str:
    try:
        mod = __import__(module)
    except ImportError:
        return "-"
    return str(getattr(mod, "__version__", "?"))


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def background_state() -> str:
    """Whether the oracle training (the known background load on this box) is running."""
    try:
        pid = int(TRAIN_PID_FILE.read_text().strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return "no background training running"
    return f"BACKGROUND TRAINING RUNNING (pid {pid}): timings distorted"


def machine_info() -> dict[str, object]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    mem_total = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_total = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory": mem_total,
        "python": platform.python_version(),
        "onnxruntime": _version("onnxruntime"),
        "numpy": _version("numpy"),
        "usearch": _version("usearch"),
        "pillow": _version("PIL"),
        "os": platform.platform(),
        "loadavg_at_start": _loadavg(),
        "background": background_state(),
        "photolens_threads": os.environ.get("PHOTOLENS_THREADS", "(unset)"),
    }


def print_machine(info: dict[str, object], title: str) -> None:
    print(f"== {title} ==")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), {info['memory']} RAM; "
        f"{info['os']}"
    )
    print(
        f"python {info['python']}, onnxruntime {info['onnxruntime']}, numpy {info['numpy']}, "
        f"usearch {info['usearch']}, pillow {info['pillow']}; PHOTOLENS_THREADS={info['photolens_threads']}"
    )
    print(f"load average at start: {info['loadavg_at_start']}; {info['background']}")
    sys.stdout.flush()


def compile_like_an_install() -> str:
    """Byte-compile Photolens's own modules, as `pip install .` does at install time, and
    say so. An editable install writes .pyc files on first import, except in a shell with
    PYTHONDONTWRITEBYTECODE set (our machines set it): every start would then compile ~80
    modules from source (~90 ms), which no installed app does. For the start-up benchmarks."""
    import compileall

    ok = all(compileall.compile_dir(str(REPO / part), quiet=1) for part in ("core", "desktop"))
    flag = os.environ.get("PYTHONDONTWRITEBYTECODE")
    return (f"bytecode: core/ and desktop/ compiled as an install does ({'ok' if ok else 'FAILED'})"
            + (f"; PYTHONDONTWRITEBYTECODE={flag} in this shell" if flag else ""))


def end_state() -> str:
    return f"load average at end: {_loadavg()}; {background_state()}"


# -- memory -------------------------------------------------------------------------------------
def memory_mib(pid: int | str = "self") -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process in MiB, from /proc (no psutil)."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


# -- statistics -----------------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass
class Repeated:
    """The runs of one measurement, repeated until the last two agreed (or it gave up)."""

    key: str
    runs: list[dict]
    stable: bool
    tolerance: float

    @property
    def values(self) -> list[float]:
        return [float(r[self.key]) for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def median_run(self) -> dict:
        """The run whose figure is the median (the lower middle one for an even count)."""
        ordered = sorted(self.runs, key=lambda r: float(r[self.key]))
        return ordered[(len(ordered) - 1) // 2]

    def describe(self, digits: int = 1) -> str:
        v = self.values
        spread = f"{min(v):.{digits}f}-{max(v):.{digits}f}"
        if len(v) == 1:
            return f"{v[0]:.{digits}f} (1 run)"
        agreed = (f"last two within {self.tolerance:.0%}" if self.stable
                  else f"COULD NOT get two runs within {self.tolerance:.0%}")
        return f"median {self.median:.{digits}f} (range {spread}, {len(v)} runs, {agreed})"


def repeat_until_stable(run: Callable[[], dict], key: str, *, tolerance: float = 0.10, max_runs: int = 5,
                        min_runs: int = 2, label: str = "") -> Repeated:
    """Run `run` until two consecutive results of `key` agree within `tolerance` (relative to
    the larger), at most `max_runs` times; each result is printed as it comes."""
    runs: list[dict] = []
    stable = False
    while len(runs) < max_runs:
        runs.append(run())
        value = float(runs[-1][key])
        print(f"    {label} run {len(runs)}: {key}={value:.2f} (load {_loadavg()})", flush=True)
        if len(runs) >= max(2, min_runs):
            a, b = float(runs[-2][key]), value
            if abs(a - b) <= tolerance * max(abs(a), abs(b), 1e-12):
                stable = True
                break
    if not stable and max_runs > 1:
        print(f"    {label}: could not get two consecutive runs within {tolerance:.0%} after {len(runs)} runs",
              flush=True)
    return Repeated(key, runs, stable or max_runs <= 1, tolerance)


class TreeCpu:
    """CPU time of this process and every process below it (worker pools, their forkserver),
    sampled from /proc in a thread (Linux): a worker's last < `every` s before it exits is
    missed. Also the whole machine's busy share over the same interval (other load)."""

    def __init__(self, every: float = 0.05):
        import threading

        self.every = every
        self._seen: dict[int, float] = {}
        self._start: dict[int, float] = {}
        self.series: list[tuple[float, float]] = []  # (perf_counter, tree CPU s since start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def _procs(self) -> dict[int, tuple[int, float]]:
        out: dict[int, tuple[int, float]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                raw = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = raw[raw.rindex(")") + 2:].split()
            out[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self._tick)
        return out

    def _tree(self) -> dict[int, float]:
        procs = self._procs()
        root = os.getpid()
        kids: dict[int, list[int]] = {}
        for pid, (ppid, _) in procs.items():
            kids.setdefault(ppid, []).append(pid)
        out, todo = {}, [root]
        while todo:
            pid = todo.pop()
            if pid in procs:
                out[pid] = procs[pid][1]
            todo.extend(kids.get(pid, []))
        return out

    @staticmethod
    def _machine() -> tuple[float, float]:
        parts = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = parts[3] + (parts[4] if len(parts) > 4 else 0.0)
        return sum(parts), idle

    def _sample(self) -> None:
        for pid, cpu in self._tree().items():
            self._seen[pid] = max(cpu, self._seen.get(pid, 0.0))
        self.series.append((time.perf_counter(), self._total()))

    def _total(self) -> float:
        return sum(cpu - self._start.get(pid, 0.0) for pid, cpu in self._seen.items())

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._sample()

    def cpu_between(self, t0: float, t1: float) -> float:
        """Tree CPU seconds between two perf_counter times (linear between samples)."""
        import numpy as np

        ts, cs = zip(*self.series, strict=True)
        return float(np.interp(t1, ts, cs) - np.interp(t0, ts, cs))

    def __enter__(self) -> TreeCpu:
        self._start = self._tree()
        self._seen = dict(self._start)
        self._machine0 = self._machine()
        self._wall0 = time.perf_counter()
        self.series.append((self._wall0, 0.0))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall_s = time.perf_counter() - self._wall0
        self.cpu_s = self._total()
        total1, idle1 = self._machine()
        total0, idle0 = self._machine0
        self.machine_busy = 1.0 - (idle1 - idle0) / (total1 - total0) if total1 > total0 else float("nan")


class Stopwatch:
    """with Stopwatch() as t: ...; t.s is the elapsed wall time in seconds."""

    def __enter__(self) -> Stopwatch:
        self.s = 0.0
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.s = time.perf_counter() - self._t0


# -- options -------------------------------------------------------------------------------------
def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes at most")
    p.add_argument("--smoke", action="store_true", help="tiny model and inputs, seconds (used by the tests)")
    p.add_argument("--model-path", type=Path, metavar="DIR",
                   help="an exported model folder (default: ViT-B-32 random init, int8, exported once)")
    p.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE, metavar="DIR",
                   help=f"where generated files and models are cached (default {DEFAULT_CACHE})")
    p.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    return p


def write_json(path: Path | None, payload: dict[str, object]) -> None:
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")


# -- models --------------------------------------------------------------------------------------
def _export_random(out: Path, arch: str, *, int8: bool) -> Path:
    """open_clip `arch` with random weights (the cost of real ones) exported to `out` once."""
    if (out / "config.json").is_file():
        return out
    import open_clip
    import torch

    from photolens.core.embed.export import export_model

    print(f"exporting random-init {arch} ({'int8' if int8 else 'fp32'}) to {out} (once) ...", flush=True)
    torch.manual_seed(0)
    model = open_clip.create_model(arch, pretrained=None)
    t0 = time.perf_counter()
    export_model(model, out, name=arch, quantize_visual=int8, quantize_textual=int8)
    print(f"exported in {time.perf_counter() - t0:.0f} s", flush=True)
    return out


def ensure_vitb32(cache_dir: Path, *, int8: bool = True) -> Path:
    """open_clip ViT-B-32 with random weights (same cost as real ones), exported once and cached.

    int8: both towers dynamically quantised (the shipped default); else both fp32.
    """
    return _export_random(Path(cache_dir) / "models" / ("ViT-B-32-int8" if int8 else "ViT-B-32-fp32"),
                          "ViT-B-32", int8=int8)


def ensure_rclip_like(cache_dir: Path) -> Path:
    """rclip's model family at its cost: open_clip ViT-B-32-256, fp32 towers, 256 px, random
    weights; exported once and cached (the "rclip-like same-model" comparison)."""
    return _export_random(Path(cache_dir) / "models" / "ViT-B-32-256-fp32", "ViT-B-32-256", int8=False)


def tiny_clip_model(seed: int = 0):  # noqa: ANN201 - an open_clip CLIP
    """The tests' tiny random CLIP (32 px, 2 layers): the real architecture at toy size."""
    import open_clip
    import torch

    torch.manual_seed(seed)
    return open_clip.CLIP(
        embed_dim=32,
        vision_cfg={"image_size": 32, "patch_size": 8, "layers": 2, "width": 64, "head_width": 32},
        text_cfg={"context_length": 20, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
    )


def ensure_tiny_model(cache_dir: Path) -> Path:
    out = Path(cache_dir) / "models" / "tiny"
    if (out / "config.json").is_file():
        return out
    from photolens.core.embed.export import export_model

    export_model(tiny_clip_model(), out, name="tiny", quantize_textual=False)
    return out


def resolve_model(args: argparse.Namespace) -> Path:
    if args.model_path:
        return Path(args.model_path)
    if args.smoke:
        return ensure_tiny_model(args.cache_dir)
    return ensure_vitb32(args.cache_dir, int8=True)


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"
