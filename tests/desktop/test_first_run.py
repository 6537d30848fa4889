"""First run and empty states: the welcome fits the screen and needs a model to start; every
empty grid says what happened and offers what to do."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from photolens.core.library import Library
from photolens.desktop.model_panel import ModelDownloader, ModelInfo
from photolens.desktop.welcome_dialog import MAX_HEIGHT, MAX_WIDTH, WelcomeDialog


def test_the_welcome_fits_and_starts_indexing_only_with_a_model(qtbot, tmp_path: Path,  # noqa: ANN001
                                                                 tiny_model_dir: Path) -> None:
    downloader = ModelDownloader(tmp_path / "models", hub_url="http://127.0.0.1:9")
    info = ModelInfo("ViT-B-32", False, None, "Model 'ViT-B-32' is not installed (looked in /x). Get it with "
                     "`photolens models fetch ViT-B-32` or pass --model-path DIR", True)
    dialog = WelcomeDialog(info, downloader, default_folders=[tmp_path])
    qtbot.addWidget(dialog)
    dialog.show()
    assert "--model-path" not in dialog.model_panel.detail.text() and "`" not in dialog.model_panel.detail.text()
    assert not dialog.start_button.isEnabled()  # folders, but no model to read them
    with qtbot.waitSignal(downloader.failed, timeout=60_000):
        dialog.model_panel.download_button.click()
    assert downloader.shutdown()
    qtbot.wait(1)  # (the failure's text is laid out)
    assert dialog.width() <= MAX_WIDTH and dialog.height() <= MAX_HEIGHT
    assert dialog.sizeHint().width() <= MAX_WIDTH
    assert dialog.buttons.geometry().bottom() <= dialog.height()
    assert "http" not in dialog.model_panel.progress_label.text()
    assert not dialog.start_button.isEnabled()
    assert dialog.model_panel.choose_folder(tiny_model_dir)
    assert dialog.start_button.isEnabled()


def test_a_search_without_a_model_says_so_and_offers_to_set_it_up(qtbot, make_window, tmp_path: Path,  # noqa: ANN001
                                                                   gallery: Path) -> None:
    with Library.open(tmp_path / "data", models_dir=tmp_path / "no-models") as lib:
        lib.add_folder(gallery)
        window = make_window(lib, welcome=False)
        qtbot.waitUntil(lambda: window.status_info is not None, timeout=10_000)
        field = window.search_bar.field
        field.setFocus()
        with qtbot.waitSignal(window.search.failed, timeout=20_000):
            qtbot.keyClicks(field, "a red circle")
            qtbot.keyClick(field, Qt.Key.Key_Return)
        assert window.stack.currentWidget() is window.empty
        assert window.empty.key == "no-model" and window.empty.title.text() == "No model yet"
        assert window.empty.button.text() == "Set up model…"
        window.empty.button.click()
        assert window.dialogs.model is not None and window.dialogs.model.isVisible()
        window.dialogs.model.reject()
        qtbot.waitUntil(lambda: not window.index_worker.busy, timeout=20_000)
        window.shutdown()


def test_with_no_folders_a_query_asks_for_folders(qtbot, make_window, tmp_path: Path,  # noqa: ANN001
                                                 tiny_model_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        window = make_window(lib, welcome=False)
        qtbot.waitUntil(lambda: window.status_info is not None, timeout=10_000)
        assert window.empty.key == "no-folders"  # the library view has nothing to list
        field = window.search_bar.field
        field.setFocus()
        with qtbot.waitSignal(window.search.results_ready, timeout=20_000):
            qtbot.keyClicks(field, "a red circle")
            qtbot.keyClick(field, Qt.Key.Key_Return)
        assert window.empty.key == "no-folders" and window.empty.title.text() == "No folders yet"
        assert window.empty.button.text() == "Add folders…"
        qtbot.waitUntil(lambda: not window.index_worker.busy, timeout=20_000)
        window.shutdown()


def test_nothing_found_within_filters_offers_to_clear_them(qtbot, window) -> None:  # noqa: ANN001
    from tests.desktop.helpers import type_query, wait_results

    type_query(qtbot, window, "green")
    when = window.filter_bar.when
    wait_results(qtbot, window, lambda: when.setCurrentIndex(when.findData("30d")))
    # the start-up scan may end now and run the query again ("Searching…" a moment): wait for
    # what it settles on
    qtbot.waitUntil(lambda: window.empty.title.text() == "Nothing found", timeout=20_000)
    assert window.empty.button.text() == "Clear the filters"
    results = wait_results(qtbot, window, window.empty.button.click)
    assert results.hits and window.filter_bar.when.currentIndex() == 0
