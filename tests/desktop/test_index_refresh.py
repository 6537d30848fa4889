"""An indexing run shows the results again only when it changed something: the start-up
scan of an unchanged library leaves the open query alone (no flicker, no lost scroll
position); new pictures and the analyzers' findings (faces, text, places) do refresh it."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from photolens.core.indexer import IndexReport
from photolens.core.library import Library
from tests.desktop.helpers import type_query, wait_results

INDEX_TIMEOUT_MS = 60_000


def test_the_start_up_scan_of_an_unchanged_library_does_not_search_again(qtbot, make_window,  # noqa: ANN001
                                                                          library: Library) -> None:
    window = make_window(library, start=False)
    results = type_query(qtbot, window, "circle")
    worker = window.index_worker
    with qtbot.waitSignal(worker.finished, timeout=INDEX_TIMEOUT_MS) as scan:
        window.start()  # shows the open query again once, then warms up and scans
        generation = window.search.generation
    report = scan.args[0]
    assert isinstance(report, IndexReport) and report.scanned > 0
    assert not (report.new or report.changed or report.deleted or report.embedded or report.analyzed)
    assert window.search.generation == generation  # the scan did not start another search
    assert window.model.results.query.text == results.query.text == "circle"


def test_analyzer_findings_and_new_pictures_refresh_the_open_query(qtbot, window) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.index_worker.watching, timeout=INDEX_TIMEOUT_MS)  # the start-up scan is over
    type_query(qtbot, window, "circle")
    generation = window.search.generation
    window.index_worker.finished.emit(IndexReport(scanned=10, unchanged=10))
    assert window.search.generation == generation
    again = wait_results(qtbot, window, lambda: window.index_worker.finished.emit(IndexReport(analyzed=3)))
    assert window.search.generation > generation and again.query.text == "circle"
    generation = window.search.generation
    wait_results(qtbot, window, lambda: window.index_worker.finished.emit(IndexReport(new=1, embedded=1)))
    assert window.search.generation > generation


def test_a_report_after_shutdown_is_dropped(qtbot, window) -> None:  # noqa: ANN001
    """A run's last report can be queued while the window shuts down; by the time it is
    delivered the library may be closed, so nothing may read it (faces, status, search)."""
    qtbot.waitUntil(lambda: window.index_worker.watching, timeout=INDEX_TIMEOUT_MS)
    window.filter_bar.show_weak.setChecked(True)
    type_query(qtbot, window, "circle")
    window.results_view.setCurrentIndex(window.model.index(0, 0))
    assert window.preview.hit is not None  # its faces are read again when a report arrives
    window.shutdown()
    generation = window.search.generation
    window.library.close()
    window.index_worker.finished.emit(IndexReport(new=1, embedded=1, analyzed=1))  # raised on a closed database
    assert window.search.generation == generation


def test_a_query_typed_during_the_warm_up_runs_before_the_start_up_scan(qtbot, make_window, library: Library,  # noqa: ANN001
                                                                        monkeypatch) -> None:
    """The start-up scan waits for the warm-up, and for a query typed meanwhile: that query
    then has both cores (a 100k-file scan beside it doubled its time)."""
    from photolens.desktop import main_window, search_worker

    monkeypatch.setattr(main_window, "INDEX_AFTER_WARM_UP_MS", 600_000)  # only the states decide
    gate = threading.Event()  # the warm-up waits until the query is typed: "meanwhile" for sure
    real_search = library.search

    def search(query, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if getattr(query, "text", None) == search_worker.WARM_UP_TEXT:
            gate.wait(30)
        return real_search(query, *args, **kwargs)

    monkeypatch.setattr(library, "search", search)
    window = make_window(library, start=False)
    order: list[str] = []
    window.search.results_ready.connect(lambda r: order.append(f"results {r.query.text}".strip()))
    window.index_worker.running_changed.connect(lambda running: running and order.append("indexing"))
    field = window.search_bar.field
    with qtbot.waitSignal(window.index_worker.finished, timeout=INDEX_TIMEOUT_MS):
        window.start()
        field.setFocus()
        with qtbot.waitSignal(window.search.results_ready, timeout=INDEX_TIMEOUT_MS):
            qtbot.keyClicks(field, "circle")
            qtbot.keyClick(field, Qt.Key.Key_Return)
            gate.set()
    assert "results circle" in order and "indexing" in order
    assert order.index("results circle") < order.index("indexing")
