"""A scripted session in the real window: search, scroll, preview, sketch, more-like-this, in a loop.

    xvfb-run -a -s "-screen 0 1400x900x24" python -m tests.desktop.session_soak --minutes 10

runs it in a real X window for ten minutes (issue: the GUI died 25-72 s after the first
results with PySide6 6.12.0 on Python 3.11); `tests/smoke/test_launch.py` runs it for a
few seconds offscreen. It indexes generated pictures with the committed oracle model,
drives the window with Qt's test API, waits for each search's results (never for a
fixed time), and prints one JSON line: cycles, searches, cells painted, elapsed. A
crash ends the process with a signal; a search that never answers exits 3.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from photolens.core.library import Library
from photolens.desktop.app import load_style
from photolens.desktop.main_window import MainWindow
from tests.desktop.helpers import RecordingActions
from tests.desktop.paint_soak import count_paints
from tests.desktop.pictures import make_gallery, make_many

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"
QUERIES = ["a red circle", "blue square", "a green triangle", "star", "yellow", "purple circle -square",
           "orange star", "a white square"]
RESULT_TIMEOUT_S = 60.0


def prepare(work: Path, pictures: int) -> Library:
    folder = work / "pictures"
    if not folder.exists():
        make_gallery(folder / "gallery")
        make_many(folder / "many", pictures)
    lib = Library.open(work / "data", model_path=ORACLE, models_dir=work / "models")
    lib.add_folder(folder)
    lib.index()
    return lib


def _circle(r: float) -> list[tuple[float, float]]:
    return [(256 + r * math.cos(2 * math.pi * i / 40), 256 + r * math.sin(2 * math.pi * i / 40)) for i in range(41)]


class Driver:
    """Runs a generator of steps; a step yields 'results' (wait for the next search to
    answer), 'cleared', or a number of milliseconds to let the event loop paint."""

    def __init__(self, window: MainWindow, seconds: float, done: Callable[[int], None]):
        self.window = window
        self.deadline = time.monotonic() + seconds
        self.done = done
        self.cycles = self.searches = 0
        self.waiting: str | None = None
        self.seen: dict[str, int] = {}
        self.waited_since = 0.0
        self.steps = self._script()
        window.search.results_ready.connect(lambda _r: self._event("results"))
        window.search.cleared.connect(lambda: self._event("cleared"))
        window.search.failed.connect(lambda exc: self._fail(f"search failed: {exc}"))
        self.watchdog = QTimer(interval=1000, timeout=self._check_stuck)
        self.watchdog.start()

    def _event(self, kind: str) -> None:
        self.seen[kind] = self.seen.get(kind, 0) + 1
        if kind == "results":
            self.searches += 1
        if self.waiting == kind:
            self.waiting = None
            QTimer.singleShot(0, self.next)

    def _check_stuck(self) -> None:
        if self.waiting and time.monotonic() - self.waited_since > RESULT_TIMEOUT_S:
            self._fail(f"no {self.waiting} after {RESULT_TIMEOUT_S:.0f} s")

    def _fail(self, why: str) -> None:
        sys.stderr.write(f"session_soak: {why}\n")
        self.done(3)

    def next(self) -> None:
        before = dict(self.seen)
        try:
            step = next(self.steps)
        except StopIteration:
            self.done(0)
            return
        if isinstance(step, str):
            if self.seen.get(step, 0) > before.get(step, 0):  # it came while the step ran
                QTimer.singleShot(0, self.next)
                return
            self.waiting, self.waited_since = step, time.monotonic()
        else:
            QTimer.singleShot(int(step), self.next)

    def _script(self) -> Iterator[str | int]:
        w = self.window
        view = w.results_view
        while time.monotonic() < self.deadline:
            for query in QUERIES:
                field = w.search_bar.field
                field.setFocus()
                field.clear()
                QTest.keyClicks(field, query)
                QTest.keyClick(field, Qt.Key.Key_Return)
                yield "results"
                w.filter_bar.show_weak.setChecked(True)
                bar = view.verticalScrollBar()
                for value in range(0, bar.maximum() + 1, max(24, bar.pageStep() // 3)):
                    bar.setValue(value)  # wheel-like scrolling: every row gets painted
                    yield 15
                for row in range(0, min(w.model.rowCount(), 12), 3):
                    view.setCurrentIndex(w.model.index(row, 0))  # the preview follows
                    yield 40
                if w.model.rowCount() > 2:
                    view.setCurrentIndex(w.model.index(2, 0))
                    w.preview.buttons["more"].click()
                    yield "results"
                    w.results_view.setCurrentIndex(w.model.index(0, 0))
                    w.preview.buttons["less"].click()
                    yield "results"
                QTest.keyClick(view, Qt.Key.Key_End)
                yield 30
                QTest.keyClick(view, Qt.Key.Key_Home)
                yield 30
            w.clear_search()  # the sketch starts from an empty query
            yield "cleared"
            pad = w.dialogs.open_sketch_pad()
            pad.colour_buttons["red"].click()
            pad.canvas.draw_stroke(_circle(90))  # results follow the drawing
            yield "results"
            pad.canvas.draw_stroke(_circle(40))
            yield "results"
            pad.close()
            w.search_bar.remove_sketch.emit()
            yield "cleared"
            self.cycles += 1


def run(seconds: float, work: Path, pictures: int) -> dict[str, float]:
    app = QApplication.instance() or QApplication([sys.argv[0]])
    load_style(app)
    painted = count_paints()
    lib = prepare(work, pictures)
    store = QSettings(str(work / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, window_state_store=store, actions=RecordingActions(), default_folders=[])
    window.resize(1400, 900)
    window.show()
    window.start(welcome=False)
    code = {"value": 0}

    def done(value: int) -> None:
        code["value"] = value
        app.quit()

    started = time.monotonic()
    driver = Driver(window, seconds, done)
    QTimer.singleShot(0, driver.next)
    app.exec()
    window.shutdown()
    lib.close()
    return {"exit": code["value"], "cycles": driver.cycles, "searches": driver.searches, "painted": painted(),
            "seconds": round(time.monotonic() - started, 1), "platform": app.platformName(),
            "python": ".".join(map(str, sys.version_info[:3]))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--pictures", type=int, default=300, help="generated pictures besides the gallery")
    parser.add_argument("--work", type=Path, default=Path("/tmp/photolens-session-soak"))
    args = parser.parse_args()
    report = run(args.minutes * 60, args.work, args.pictures)
    print(json.dumps(report), flush=True)
    return int(report["exit"])


if __name__ == "__main__":
    sys.exit(main())
