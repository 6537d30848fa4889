"""Indexing in the background: progress, pause/resume, searching meanwhile, errors, folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from photolens.core.library import Library
from photolens.core.progress import IndexProgress
from tests.desktop.helpers import type_query, wait_results
from tests.desktop.pictures import make_many

INDEX_TIMEOUT_MS = 60_000


@pytest.fixture
def fresh_library(tmp_path: Path, tiny_model_dir: Path):  # noqa: ANN201
    """60 pictures added but not indexed yet."""
    pictures = make_many(tmp_path / "many", 60)
    lib = Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, batch_size=8))
    lib.add_folder(pictures)
    yield lib
    lib.close()


def test_pause_resume_and_search_while_indexing(qtbot, make_window, fresh_library: Library) -> None:  # noqa: ANN001
    window = make_window(fresh_library, start=False)
    worker = window.index_worker
    seen: list[IndexProgress] = []
    clicked: list[bool] = []

    def pause_after_first_batch(p: IndexProgress) -> None:
        seen.append(p)
        if p.phase == "index" and p.done > 0 and not clicked:
            clicked.append(True)
            qtbot.mouseClick(window.index_status.pause_button, Qt.MouseButton.LeftButton)

    worker.progress.connect(pause_after_first_batch)
    window.start()
    qtbot.waitUntil(lambda: worker.paused, timeout=INDEX_TIMEOUT_MS)
    assert worker.running
    assert window.index_status.pause_button.text() == "Resume"
    assert window.index_status.label.text().startswith("Paused")
    qtbot.wait(300)
    indexed_so_far = fresh_library.catalog.count_embeddings(fresh_library.model_id)
    assert 0 < indexed_so_far < 60
    # the search sees what is indexed so far, while the run is still going (paused)
    window.filter_bar.show_weak.setChecked(True)
    results = type_query(qtbot, window, "a red circle")
    assert worker.running
    assert 0 < len(results.hits) < 60
    assert "indexing continues" in window.statusBar().currentMessage()
    # resume: the run finishes and the open search refreshes itself
    with qtbot.waitSignal(worker.finished, timeout=INDEX_TIMEOUT_MS):
        qtbot.mouseClick(window.index_status.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.search.last_results.hits) == 60, timeout=10_000)
    assert any(p.phase == "index" and p.total == 60 for p in seen)
    qtbot.waitUntil(lambda: "60 files indexed" in window.index_status.label.text(), timeout=5000)
    assert not window.index_status.pause_button.isVisible()


def test_progress_text_has_counts_rate_and_eta(qtbot, make_window, fresh_library: Library) -> None:  # noqa: ANN001
    window = make_window(fresh_library, start=False)
    window.index_status.show_progress(IndexProgress("index", 120, 5000, rate=34.0, eta_s=146.0), paused=False)
    assert window.index_status.label.text() == "Indexing 120 of 5,000 · 34/s · about 2 min left"
    assert window.index_status.bar.maximum() == 5000 and window.index_status.bar.value() == 120


def test_failed_files_are_listed_with_reasons(qtbot, window, gallery: Path) -> None:  # noqa: ANN001
    button = window.index_status.errors_button
    qtbot.waitUntil(button.isVisible, timeout=10_000)
    assert button.text() == "⚠ 1 file failed"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.dialogs.errors is not None and window.dialogs.errors.isVisible(), timeout=5000)
    rows = window.dialogs.errors.rows()
    assert rows[0][0] == str(gallery / "trip" / "broken.jpg")
    assert "not a readable image" in rows[0][1]


def test_folders_dialog_removes_and_adds_folders(qtbot, window, library: Library, gallery: Path,
                                                 tmp_path: Path) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: not window.index_worker.busy, timeout=INDEX_TIMEOUT_MS)
    dialog = window.dialogs.open_folders()
    assert dialog.paths() == [str(gallery)]
    dialog.list.setCurrentRow(0)
    dialog.remove_selected()
    extra = make_many(tmp_path / "extra", 5)
    dialog.add_folder_path(extra)
    dialog.exclusions.setPlainText("Screenshots\n*.gif")
    with qtbot.waitSignal(window.index_worker.finished, timeout=INDEX_TIMEOUT_MS):
        dialog.accept()
    assert [f.path for f in library.folders()] == [str(extra.resolve())]
    assert library.settings.exclude_patterns == ("Screenshots", "*.gif")
    assert library.catalog.count_embeddings(library.model_id) == 5  # the gallery's items are gone
    window.filter_bar.show_weak.setChecked(True)
    results = type_query(qtbot, window, "anything")
    assert {Path(h.path).parent for h in results.hits} == {extra.resolve()}
    qtbot.waitUntil(lambda: window.filter_bar.folder.count() == 2, timeout=5000)
    assert window.filter_bar.folder.itemData(1) == str(extra.resolve())


def test_stale_search_results_are_dropped(qtbot, window) -> None:  # noqa: ANN001
    controller = window.search
    qtbot.waitUntil(lambda: not window.index_worker.busy, timeout=INDEX_TIMEOUT_MS)  # no refreshes
    controller.set_text("first", immediate=True)
    first_generation = controller.generation
    results = wait_results(qtbot, window, lambda: controller.set_text("second", immediate=True))
    assert controller.generation > first_generation  # each change numbers the requests anew
    assert results.query.text == "second"
    qtbot.wait(200)  # the first answer, if it arrives late, must not replace the second
    assert window.model.results.query.text == "second"


def test_pictures_added_or_deleted_while_open_are_picked_up(qtbot, make_window, tmp_path: Path,
                                                            tiny_model_dir: Path) -> None:  # noqa: ANN001
    """The window watches its folders: no rescan button, no restart."""
    pictures = make_many(tmp_path / "live", 3)
    lib = Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
    lib.add_folder(pictures)
    window = make_window(lib, start=False)
    try:
        worker = window.index_worker
        with qtbot.waitSignal(worker.finished, timeout=INDEX_TIMEOUT_MS):
            window.start()
        qtbot.waitUntil(lambda: worker.watching, timeout=5000)
        assert not worker.busy and not worker.running
        window.filter_bar.show_weak.setChecked(True)
        assert len(type_query(qtbot, window, "a shape").hits) == 3

        new = make_many(tmp_path / "elsewhere", 4) / "many_003.png"
        def shown() -> set[str]:
            return {h.path for h in window.search.last_results.hits}

        new.rename(pictures / "copied in.png")
        qtbot.waitUntil(lambda: str(pictures / "copied in.png") in shown(), timeout=INDEX_TIMEOUT_MS)
        assert len(shown()) == 4
        (pictures / "many_000.png").unlink()
        qtbot.waitUntil(lambda: str(pictures / "many_000.png") not in shown(), timeout=INDEX_TIMEOUT_MS)
        assert len(shown()) == 3
        # the drive is unplugged, then comes back: the window says so, and nothing is lost
        parked = tmp_path / "unplugged"
        pictures.rename(parked)
        label = window.index_status.label
        qtbot.waitUntil(lambda: "1 folder not reachable" in label.text() and not shown(), timeout=INDEX_TIMEOUT_MS)
        parked.rename(pictures)
        qtbot.waitUntil(lambda: "3 files indexed" in label.text() and "not reachable" not in label.text()
                        and len(shown()) == 3, timeout=INDEX_TIMEOUT_MS)
    finally:
        window.shutdown()
        lib.close()


def test_a_query_typed_during_the_first_run_fills_in_as_pictures_arrive(qtbot, make_window, fresh_library: Library,
                                                                       monkeypatch) -> None:  # noqa: ANN001
    from photolens.desktop import results_display

    monkeypatch.setattr(results_display, "LIVE_REFRESH_S", 0.0)
    window = make_window(fresh_library, start=False)
    worker = window.index_worker
    worker.progress.connect(lambda p: p.phase == "index" and p.done > 0 and not worker.paused and worker.pause())
    window.filter_bar.show_weak.setChecked(True)
    window.start()
    first = type_query(qtbot, window, "a red circle")
    assert len(first.hits) < 60
    qtbot.waitUntil(lambda: worker.paused, timeout=INDEX_TIMEOUT_MS)
    # no key pressed: the open search was re-run as batches were committed
    qtbot.waitUntil(lambda: window.search.last_results is not None and len(window.search.last_results.hits) > 0,
                    timeout=10_000)
    assert worker.running and window.model.rowCount() > 0
    worker.resume()
