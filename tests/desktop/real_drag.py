"""A real drag and drop, from another process, onto the window (run under Xvfb; needs xdotool).

    python -m tests.desktop.real_drag DATA_DIR MODEL_DIR PICTURE

Opens the window over DATA_DIR, starts `python -m tests.desktop.real_drag source PICTURE`
(a small window that drags the file, as a file manager does), and has xdotool press on the
source, move onto the window and release. Exits 0 when the drop searched by the picture.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QDrag, QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel

SOURCE_AT = (1100, 100, 200, 200)


class _Source(QLabel):
    def __init__(self, picture: str):
        super().__init__(f"drag me: {Path(picture).name}")
        self.picture = picture
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(self.picture)])
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.CopyAction)


def _wait(app: QApplication, condition, seconds: float) -> bool:  # noqa: ANN001
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return False


def source(picture: str) -> int:
    app = QApplication(["drag-source"])
    label = _Source(picture)
    label.setGeometry(*SOURCE_AT)
    label.show()
    print("ready", flush=True)
    return app.exec()


def main(data_dir: str, model_dir: str, picture: str) -> int:
    from photolens.core.library import Library
    from photolens.desktop.main_window import MainWindow
    from tests.desktop.helpers import RecordingActions

    app = QApplication(["photolens"])
    lib = Library.open(Path(data_dir), model_path=Path(model_dir), models_dir=Path(data_dir).parent / "models")
    window = MainWindow(lib, window_state_store=None, actions=RecordingActions(), default_folders=[])
    window.setGeometry(0, 0, 1000, 700)
    window.show()
    window.start(welcome=False)
    done: list[object] = []
    window.search.results_ready.connect(done.append)
    _wait(app, lambda: bool(done), 30)
    done.clear()
    helper = subprocess.Popen([sys.executable, "-m", "tests.desktop.real_drag", "source", picture],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert helper.stdout is not None and helper.stdout.readline().strip() == "ready"
        _wait(app, lambda: False, 1.0)  # the source window is mapped
        x, y = SOURCE_AT[0] + 100, SOURCE_AT[1] + 100
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "mousedown", "1"], check=True)
        for step in range(1, 21):  # a drag is a pointer that moves while the button is held
            _wait(app, lambda: False, 0.05)
            subprocess.run(["xdotool", "mousemove", str(x - step * 30), str(y + step * 12)], check=True)
        _wait(app, lambda: False, 0.3)
        subprocess.run(["xdotool", "mouseup", "1"], check=True)
        ok = _wait(app, lambda: f"Like: {Path(picture).name}" in window.search_bar.chip_texts() and bool(done), 30)
        print("chips:", window.search_bar.chip_texts(), "results:", len(done), flush=True)
        return 0 if ok else 1
    finally:
        helper.terminate()
        helper.wait(10)
        window.shutdown()
        window.close()
        lib.close()


if __name__ == "__main__":
    if sys.argv[1] == "source":
        sys.exit(source(sys.argv[2]))
    sys.exit(main(*sys.argv[1:4]))
