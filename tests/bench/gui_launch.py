"""GUI: launch to window, and the first query after launch against the ones after it.

Launch: `photolens --data-dir D --quit-after 1` started as from a shell (offscreen Qt), the
time from the process start to the moment the main window is shown (the app logs it:
"window shown ... s after the process started", from /proc: 10 ms steps). The launcher first checks in a child process that Qt can
open a window; that is included.

First query: one process builds the window as the app does and, right after it shows
(--delay ms later, default 0: a user who types at once), runs a text query from the search
bar, then N more distinct queries one after the other. Reported: the first query's time from
the moment it was asked to its results, and the median of the others. The library is a copy
of the synthetic one of tests/bench/query_latency.py (100k items; --quick 10k): its folder
does not exist on disk, so the start-up rescan finds it offline, quickly.

    python tests/bench/gui_launch.py [--quick] [--smoke] [--runs N] [--delay MS] [--json FILE]
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    REPO,
    base_parser,
    compile_like_an_install,
    end_state,
    machine_info,
    median,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.query_latency import ensure_library  # noqa: E402

QUERIES = ("kids on the beach at sunset", "a red car in the snow", "birthday cake with candles",
           "mountains and a lake", "a dog on a sofa", "city lights at night", "people dancing at a wedding")
SHOWN = re.compile(r"window shown ([0-9.]+) s after the process started")

_QUERY_CHILD = r"""
import json, sys, time
from pathlib import Path
data, delay_ms, queries = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from photolens.core.library import Library
from photolens.desktop.app import window_state_store
from photolens.desktop.main_window import MainWindow
app = QApplication([sys.argv[0]])
library = Library.open(data)
window = MainWindow(library, window_state_store=window_state_store())
asked, times, pending = {}, [], list(queries)
def ask():
    if not pending:
        window.close(); return
    asked["t"], asked["q"] = time.perf_counter(), pending.pop(0)
    window.search.set_text(asked["q"], immediate=True)
def done(results):
    if "t" not in asked or window.search.state.text != asked.get("q"):
        return  # the library listing at start, not a query
    times.append(time.perf_counter() - asked.pop("t"))
    QTimer.singleShot(50, ask)
window.search.results_ready.connect(done)
window.show()
QTimer.singleShot(0, window.start)
QTimer.singleShot(delay_ms, ask)
QTimer.singleShot(120000, window.close)
app.exec()
window.shutdown()
library.close()
print(json.dumps(times))
"""


def offscreen_env(models: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHOTOLENS_MODELS_DIR": str(models),
            "PHOTOLENS_ANALYZERS": ""}


def launch_once(data: Path, models: Path) -> float:
    """Seconds from the process start to the window shown."""
    log = data / "photolens-gui.log"
    log.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "photolens.desktop.launcher", "--data-dir", str(data),
                           "--quit-after", "1"], capture_output=True, text=True, cwd=REPO, env=offscreen_env(models),
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the app failed ({proc.returncode}): {proc.stderr[-2000:]}")
    found = SHOWN.findall(log.read_text(encoding="utf-8"))
    if not found:
        raise RuntimeError("the app's log does not say when the window was shown")
    return float(found[-1])


def queries_once(data: Path, models: Path, delay_ms: int, count: int) -> list[float]:
    queries = [QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}") for i in range(count)]
    proc = subprocess.run([sys.executable, "-c", _QUERY_CHILD, str(data), str(delay_ms), json.dumps(queries)],
                          capture_output=True, text=True, cwd=REPO, env=offscreen_env(models), timeout=180,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"the query run failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    p = base_parser("GUI launch to window, first query after launch against the others.")
    p.add_argument("--runs", type=int, help="launches and query runs (default 7; --quick 5; --smoke 2)")
    p.add_argument("--items", type=int, help="items in the library (default 100000; --quick 10000; --smoke 300)")
    p.add_argument("--delay", type=int, default=0, help="ms after the window shows before the first query")
    p.add_argument("--queries", type=int, default=6, help="queries a run (the first and the others)")
    args = p.parse_args(argv)
    info = machine_info()
    print_machine(info, "GUI launch and first query")
    print(compile_like_an_install())
    runs = args.runs or (2 if args.smoke else 5 if args.quick else 7)
    items = args.items or (300 if args.smoke else 10_000 if args.quick else 100_000)
    model = resolve_model(args).resolve()
    source, _ = ensure_library(args.cache_dir, model, items)
    work = Path(tempfile.mkdtemp(prefix="gui-launch-", dir=args.cache_dir))
    try:
        data = work / "data"
        shutil.copytree(source, data, ignore=shutil.ignore_patterns("models", "ort-cache", "cache", "thumbnails"))
        models = source / "models"  # the model cache there: a model used before
        print(f"library: copy of {source} ({items:,} items); model {model}", flush=True)
        launch_once(data, models)  # the first start fills the model cache if it must
        launches, firsts, rests = [], [], []
        for i in range(runs):
            launches.append(launch_once(data, models))
            times = queries_once(data, models, args.delay, args.queries)
            firsts.append(times[0])
            rests.append(median(times[1:]))
            print(f"  run {i + 1}: window at {launches[-1] * 1000:.0f} ms; first query {times[0] * 1000:.0f} ms, "
                  f"the others median {rests[-1] * 1000:.0f} ms ({', '.join(f'{x * 1000:.0f}' for x in times[1:])}); "
                  f"load {load()}", flush=True)
        print(f"launch to window: median {median(launches) * 1000:.0f} ms (min {min(launches) * 1000:.0f}, "
              f"max {max(launches) * 1000:.0f}, {runs} runs)")
        print(f"first query {args.delay} ms after the window shows: median {median(firsts) * 1000:.0f} ms "
              f"(min {min(firsts) * 1000:.0f}, max {max(firsts) * 1000:.0f}); the queries after it: median "
              f"{median(rests) * 1000:.0f} ms (min {min(rests) * 1000:.0f}, max {max(rests) * 1000:.0f})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(end_state())
    write_json(args.json, {"machine": info, "items": items, "launch_s": launches, "first_query_s": firsts,
                           "other_queries_median_s": rests, "delay_ms": args.delay, "end_state": end_state()})
    print(f"gui_window_s={median(launches):.3f} gui_first_query_s={median(firsts):.3f} "
          f"gui_other_queries_s={median(rests):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
