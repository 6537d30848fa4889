"""Fixtures for the GUI tests: pictures, indexed libraries and windows (offscreen Qt)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from photolens.core.library import Library  # noqa: E402
from tests.desktop.pictures import make_gallery  # noqa: E402

ORACLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


@pytest.fixture(scope="session")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 pictures of one coloured shape each (circles and squares in home/, triangles and
    stars in trip/), distinct dates, plus one broken file."""
    return make_gallery(tmp_path_factory.mktemp("gallery") / "pictures")


@pytest.fixture(scope="session")
def indexed_template(tmp_path_factory: pytest.TempPathFactory, gallery: Path, tiny_model_dir: Path) -> Path:
    """A data dir with the gallery indexed by the tiny model; tests work on copies of it."""
    data = tmp_path_factory.mktemp("template") / "data"
    with Library.open(data, model_path=tiny_model_dir, models_dir=data.parent / "models") as lib:
        lib.add_folder(gallery)
        report = lib.index()
        assert report.embedded == 24 and report.errors == 1
    return data


@pytest.fixture
def library(tmp_path: Path, indexed_template: Path, tiny_model_dir: Path) -> Iterator[Library]:
    data = tmp_path / "data"
    shutil.copytree(indexed_template, data, ignore=shutil.ignore_patterns("photolens.lock"))
    lib = Library.open(data, model_path=tiny_model_dir, models_dir=tmp_path / "models")
    # a random tiny model sees every picture as near-identical: do not group them
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
    yield lib
    lib.close()


@pytest.fixture
def oracle_model_dir() -> Path:
    if not (ORACLE_DIR / "config.json").is_file():
        pytest.skip(f"the oracle model is not trained yet ({ORACLE_DIR} is missing): "
                    "retrieval-quality GUI tests need it")
    return ORACLE_DIR


@pytest.fixture
def make_window(qtbot, tmp_path: Path, request: pytest.FixtureRequest):  # noqa: ANN001, ANN201 - pytest-qt fixture
    """Build a MainWindow over a Library, with recorded desktop actions and private QSettings."""
    from PySide6.QtCore import QSettings

    from photolens.desktop.main_window import MainWindow
    from tests.desktop.helpers import RecordingActions

    made = []

    def build(lib: Library, *, start: bool = True, welcome: bool = True) -> MainWindow:
        store = QSettings(str(tmp_path / f"window{len(made)}.ini"), QSettings.Format.IniFormat)
        window = MainWindow(lib, window_state_store=store, actions=RecordingActions(), default_folders=[],
                            thumbnail_threads=1)
        qtbot.addWidget(window)
        window.show()
        made.append(window)
        # shut down before the library the window uses closes, whatever the order of the test's
        # fixtures: a finalizer the test body adds to its item runs before every fixture's teardown
        request.node.addfinalizer(window.shutdown)
        if start:  # the window opens on the library view: wait for it, so a test's first wait is its own
            with qtbot.waitSignal(window.search.results_ready, timeout=20_000):
                window.start(welcome=welcome)
        return window

    return build


@pytest.fixture
def window(make_window, library: Library):  # noqa: ANN001, ANN201
    """A started window over an indexed library (the start-up scan finds nothing new)."""
    return make_window(library)
