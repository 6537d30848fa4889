"""Screenshots of the window's main states, for looking at it as a user would.

    xvfb-run -a -s "-screen 0 1400x900x24" python -m tests.desktop.screenshots OUT_DIR

Writes welcome.png, welcome-download-failed.png, empty-no-folders.png, library.png (the
library view), dark.png (the same in the desktop's dark setting), results.png, preview.png,
video.png, viewer.png, sketch.png (docked), empty-nothing-found.png, errors.png,
empty-no-model.png, indexing.png, people-preview.png and people.png to OUT_DIR
(`... OUT_DIR people`: only the last two). The library is a generated held-out gallery (tests/oracle/scenes.py)
indexed with the oracle model, so the results are real search results. Under Xvfb the
screenshots are of real windows (grabbed from the screen, decorations excluded); with
QT_QPA_PLATFORM=offscreen they are widget renderings.
"""

from __future__ import annotations

import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QWidget

from photolens.core.library import Library
from photolens.desktop.app import app_icon, load_style
from photolens.desktop.colour_scheme import apply_colour_scheme
from photolens.desktop.main_window import MainWindow
from photolens.desktop.model_list import ModelList
from photolens.desktop.model_panel import ModelDownloader, ModelInfo
from photolens.desktop.welcome_dialog import WelcomeDialog
from tests.desktop.helpers import RecordingActions
from tests.desktop.pictures import make_many
from tests.e2e import oracle_gallery as og
from tests.helpers import make_video
from tests.oracle import scenes

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def settle(app: QApplication, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def wait_for(app: QApplication, condition, timeout: float = 60.0) -> None:  # noqa: ANN001
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the window did not reach the state in time")
        app.processEvents()
        time.sleep(0.02)


def shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app, 0.8)
    screen = widget.screen()
    if app.platformName() == "xcb" and screen is not None:
        geo = widget.frameGeometry()
        pixmap = screen.grabWindow(0, geo.x(), geo.y(), geo.width(), geo.height())
    else:
        pixmap = widget.grab()
    pixmap.save(str(path))
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


def make_gallery(folder: Path) -> None:
    """60 photo-like held-out scenes with one to three shapes, in two folders, plus a broken file."""
    scenes.write_gallery(folder / "Holidays", 36, set_seed=21, size=320, prefix="IMG")
    scenes.write_gallery(folder / "Garden", 24, set_seed=22, size=320, prefix="DSC")
    for sub in ("Holidays", "Garden"):
        (folder / sub / "manifest.json").unlink()
    (folder / "Garden" / "half-copied.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    rng = scenes.scene_rng(scenes.held_out_seed(23, 0))
    moments = [scenes.render_style(og._scene(k, c, rng), "photo", 320, rng)  # noqa: SLF001
               for k, c in (("star", "yellow"), ("square", "green"), ("circle", "red"), ("heart", "pink"))]
    make_video(folder / "Videos" / "party.mp4", moments, seconds_each=4, fps=10)


def window_for(lib: Library, work: Path, name: str) -> MainWindow:
    store = QSettings(str(work / f"{name}.ini"), QSettings.Format.IniFormat)
    window = MainWindow(lib, window_state_store=store, actions=RecordingActions(), default_folders=[])
    window.resize(1280, 800)
    window.show()
    return window


def people_shots(app: QApplication, work: Path, out: Path) -> None:
    """The preview of a picture of two named people (faces outlined, as on hover), and the
    People view with its face thumbnails."""
    from tests.faces_photos import make_people_folder

    who = make_people_folder(work / "People")
    lib = Library.open(work / "data-people", model_path=ORACLE, models_dir=work / "models")
    lib.apply_settings(lib.settings.with_changes(faces=True))
    lib.add_folder(work / "People")
    lib.index()
    for path, name in ((who["obama"][0], "Barack Obama"), (who["biden"][0], "Joe Biden")):
        item = lib.catalog.conn.execute("SELECT i.id FROM items i JOIN files f ON f.hash = i.hash WHERE f.path = ?",
                                        (str(path.resolve()),)).fetchone()[0]
        lib.people.rename(lib.people.faces_in_item(item)[0].person_id, name)
    window = window_for(lib, work, "people")
    window.start()
    done: list[object] = []
    window.search.results_ready.connect(done.append)
    window.search_bar.field.setText('person:"Joe Biden"')
    window.search.set_text('person:"Joe Biden"', immediate=True)
    wait_for(app, lambda: bool(done))
    row = next(i for i, h in enumerate(window.model.hits) if h.path.endswith("together.jpg"))
    window.results_view.setCurrentIndex(window.model.index(row, 0))
    settle(app, 1.0)
    window.preview.picture.hovering = True  # as when the pointer is over the picture
    window.preview.picture.update()
    shoot(app, window, out / "people-preview.png")
    dialog = window.people.open_people()
    wait_for(app, lambda: dialog.faces_shown == dialog.list.count(), 30)
    dialog.move(window.x() + 300, window.y() + 120)
    shoot(app, dialog, out / "people.png")
    dialog.close()
    window.shutdown()
    window.close()
    lib.close()


def places_shots(app: QApplication, work: Path, out: Path) -> None:
    """One search box: "a red circle in Lisbon 2019" over GPS-tagged shapes taken in four
    cities in two years (its chips, its one good match, the place in the preview), the
    date histogram of a place's pictures, and the Places list."""
    from tests.geo_photos import CITIES, save_with_exif

    n = 0
    for kind in ("circle", "square", "star"):
        for colour in ("red", "blue", "green"):
            for city in ("Lisbon", "Porto", "Paris", "Tokyo"):
                for year in (2018, 2019):
                    image = scenes.render(scenes.single_shape_scene(kind, colour), 128, scenes.scene_rng(n))
                    n += 1
                    save_with_exif(image, work / "Pictures" / f"{kind}-{colour}-{city}-{year}.jpg", CITIES[city],
                                   f"{year}:{1 + n % 12:02d}:1{n % 9} 12:00:00")
    lib = Library.open(work / "data", model_path=ORACLE, models_dir=work / "models")
    lib.add_folder(work / "Pictures")
    lib.index()
    window = window_for(lib, work, "places")
    window.start(welcome=False)
    for text, name in (("a red circle in Lisbon 2019", "onebox.png"), ("red Lisbon", "histogram.png")):
        done: list[object] = []
        window.search.results_ready.connect(done.append)
        window.search_bar.field.setText(text)
        window.search.set_text(text, immediate=True)
        wait_for(app, lambda d=done: bool(d))  # type: ignore[misc]
        window.search.results_ready.disconnect(done.append)
        shoot(app, window, out / name)
    window.open_places()
    shoot(app, window._places_dialog, out / "places.png")  # noqa: SLF001
    window.shutdown()
    window.close()
    lib.close()


def model_shots(app: QApplication, work: Path, out: Path) -> None:
    """The model dialog halfway through a switch from oracle-b to the oracle, with speeds."""
    from photolens.core.model_speed import record_speed
    from photolens.core.progress import Controls, IndexProgress

    make_gallery(work / "Pictures")
    models_dir = work / "models"
    shutil.copytree(ORACLE.parent / "oracle-b", models_dir / "MobileCLIP2-S0", symlinks=False)
    lib = Library.open(work / "data", model_path=models_dir / "MobileCLIP2-S0", models_dir=models_dir)
    lib.add_folder(work / "Pictures")
    lib.index()
    lib.use_model(path=ORACLE)
    controls = Controls.new()

    def stop_halfway(p: IndexProgress) -> None:
        if p.phase == "reembed" and p.done * 2 >= p.total:
            controls.cancel.set()

    lib.index(stop_halfway, controls)
    record_speed(models_dir, lib.model_id, 2.6, "indexing")
    window = window_for(lib, work, "models")
    window.start(welcome=False)
    dialog = window.dialogs.open_model()
    models = dialog.findChild(ModelList)
    wait_for(app, lambda: models.switch_label.isVisible() and models.disk_label.isVisible(), 20)
    shoot(app, dialog, out / "model-dialog.png")
    window.shutdown()
    window.close()
    lib.close()


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "screenshots").resolve()
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(["photolens"])
    app.setApplicationDisplayName("Photolens")
    app.setWindowIcon(app_icon())
    load_style(app)  # type: ignore[arg-type]
    work = Path(tempfile.mkdtemp(prefix="photolens-shots-"))
    if argv[1:] in (["people"], ["places"], ["models"]):
        try:
            {"people": people_shots, "places": places_shots, "models": model_shots}[argv[1]](app, work, out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        pictures = work / "Pictures"
        make_gallery(pictures)

        # first run: the welcome dialog; a download that fails (no network) says so in the app's words
        lib = Library.open(work / "data", model_path=ORACLE, models_dir=work / "models")
        window = window_for(lib, work, "first")
        window.default_folders = [pictures]
        window.start()
        wait_for(app, lambda: window.dialogs.welcome is not None and window.dialogs.welcome.isVisible(), 10)
        shoot(app, window.dialogs.welcome, out / "welcome.png")
        window.dialogs.welcome.reject()
        shoot(app, window, out / "empty-no-folders.png")
        offline = ModelDownloader(work / "models-offline", hub_url="http://127.0.0.1:9")
        welcome = WelcomeDialog(ModelInfo("ViT-B-32", False, None, "not installed", True), offline,
                                default_folders=[pictures], parent=window)
        welcome.show()
        failed: list[object] = []
        offline.failed.connect(failed.append)
        welcome.model_panel.download_button.click()
        wait_for(app, lambda: bool(failed), 60)
        shoot(app, welcome, out / "welcome-download-failed.png")
        welcome.reject()
        offline.shutdown()
        window.shutdown()
        window.close()

        lib.add_folder(pictures)
        lib.index()
        window = window_for(lib, work, "main")
        done: list[object] = []
        window.search.results_ready.connect(done.append)
        window.start()
        wait_for(app, lambda: window.index_worker.watching and bool(done))
        shoot(app, window, out / "library.png")
        apply_colour_scheme(app, Qt.ColorScheme.Dark)
        window.results_view.setCurrentIndex(window.model.index(8, 0))
        shoot(app, window, out / "dark.png")
        apply_colour_scheme(app)

        done.clear()
        window.search_bar.field.setText("a red circle")
        window.search.set_text("a red circle", immediate=True)
        wait_for(app, lambda: bool(done))
        shoot(app, window, out / "results.png")

        window.results_view.setCurrentIndex(window.model.index(min(6, window.model.rowCount() - 1), 0))
        shoot(app, window, out / "preview.png")
        clip = next(i for i, h in enumerate(window.model.hits) if h.media_type == "video")
        window.results_view.setCurrentIndex(window.model.index(clip, 0))
        settle(app, 1.0)
        shoot(app, window, out / "video.png")

        window.results_view.setCurrentIndex(window.model.index(1, 0))
        window.results.view_index(window.results_view.currentIndex())
        window.viewer.toggle_info()
        settle(app, 1.5)
        shoot(app, window, out / "viewer.png")
        window.viewer.close_viewer()

        done.clear()
        pad = window.dialogs.open_sketch_pad()
        pad.colour_buttons["blue"].click()
        pad.canvas.draw_stroke([(256 + 120 * math.cos(2 * math.pi * i / 48), 256 + 120 * math.sin(2 * math.pi * i / 48))
                                for i in range(49)])
        pad.words.setText("blue")
        pad.search_button.click()
        wait_for(app, lambda: bool(done) and done[-1].query.text == "blue")  # type: ignore[attr-defined]
        shoot(app, window, out / "sketch.png")
        pad.close()
        done.clear()
        window.search.clear()
        wait_for(app, lambda: bool(done))
        done.clear()
        bar = window.filter_bar
        wait_for(app, lambda: bar.folder.findData(str(pictures / "Garden")) >= 0)
        bar.folder.setCurrentIndex(bar.folder.findData(str(pictures / "Garden")))
        bar.kind.setCurrentIndex(bar.kind.findData("video"))  # no video in Garden
        wait_for(app, lambda: not window.search.searching)
        done.clear()
        window.search_bar.field.setText("a red circle")
        window.search.set_text("a red circle", immediate=True)
        wait_for(app, lambda: bool(done))
        shoot(app, window, out / "empty-nothing-found.png")
        window.filter_bar.clear_filters()
        window.index_status.errors_button.click()
        wait_for(app, lambda: window.dialogs.errors is not None and window.dialogs.errors.isVisible(), 10)
        shoot(app, window.dialogs.errors, out / "errors.png")
        window.dialogs.errors.close()
        window.shutdown()
        window.close()
        lib.close()

        # no model: a search says so and offers to set it up
        lib3 = Library.open(work / "data3", models_dir=work / "no-models")
        lib3.add_folder(pictures)
        window = window_for(lib3, work, "no-model")
        window.start(welcome=False)
        failures: list[object] = []
        window.search.failed.connect(failures.append)
        wait_for(app, lambda: window.status_info is not None)
        window.search_bar.field.setText("a red circle")
        window.search.set_text("a red circle", immediate=True)
        wait_for(app, lambda: bool(failures), 30)
        shoot(app, window, out / "empty-no-model.png")
        wait_for(app, lambda: not window.index_worker.busy, 60)
        window.shutdown()
        window.close()
        lib3.close()

        # indexing in progress: a larger folder, paused half-way so the moment holds still
        many = make_many(work / "Imports", 400, size=256)
        lib2 = Library.open(work / "data2", model_path=ORACLE, models_dir=work / "models")
        lib2.apply_settings(lib2.settings.with_changes(batch_size=8))
        lib2.add_folder(many)
        window = window_for(lib2, work, "indexing")
        worker = window.index_worker
        worker.progress.connect(lambda p: p.phase == "index" and p.done >= 40 and not worker.paused and worker.pause())
        window.start()
        window.search.set_text("a green square", immediate=True)
        wait_for(app, lambda: worker.paused, 120)
        wait_for(app, lambda: not window.search.searching)
        window.search.refresh()  # what is indexed so far
        wait_for(app, lambda: not window.search.searching)
        shoot(app, window, out / "indexing.png")
        window.shutdown()
        window.close()
        lib2.close()
        people_shots(app, work, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
