"""The results grid fills its width, reaches every row, keeps the current item in view and
asks for thumbnails sharp at the screen's device pixel ratio."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle

from photolens.desktop.results_model import ThumbnailRole
from photolens.desktop.thumbnail_loader import grid_px_for
from tests.desktop.helpers import type_query


def _all_results(qtbot, window) -> None:  # noqa: ANN001
    window.resize(1400, 900)
    window.filter_bar.show_weak.setChecked(True)
    type_query(qtbot, window, "shape")
    qtbot.waitUntil(lambda: window.model.rowCount() == 24, timeout=5000)


def test_the_columns_fill_the_width_with_or_without_a_scroll_bar(qtbot, window) -> None:  # noqa: ANN001
    _all_results(qtbot, window)
    view = window.results_view
    bar = view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, view.verticalScrollBar())

    def check() -> None:
        cell = view.delegate.cell.width()
        rects = [view.visualRect(window.model.index(i, 0)) for i in range(window.model.rowCount())]
        columns = len({r.x() for r in rects})
        assert columns == view.columns
        blank = view.viewport().width() - columns * cell
        assert 0 <= blank <= bar + 4, (columns, cell, view.viewport().width())

    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0, timeout=5000)
    check()
    for width in (1000, 1333, 1400):
        window.resize(width, 900)
        qtbot.waitUntil(lambda: view.delegate.cell.width() * view.columns <= view.viewport().width(), timeout=2000)
        check()
    window.resize(1400, 2400)  # tall enough: no scroll bar needed, the same columns
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0, timeout=5000)
    check()


def test_every_row_is_reachable_and_the_current_one_stays_in_view(qtbot, window) -> None:  # noqa: ANN001
    _all_results(qtbot, window)
    view = window.results_view
    view.setFocus()
    last = window.model.index(window.model.rowCount() - 1, 0)
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.currentIndex() == last
    qtbot.waitUntil(lambda: view.viewport().rect().contains(view.visualRect(last)), timeout=2000)
    # the wheel reaches the bottom too: the scroll range covers the last row
    view.verticalScrollBar().setValue(0)
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    assert view.viewport().rect().contains(view.visualRect(last))
    # arrow keys walk down to it from the top
    qtbot.keyClick(view, Qt.Key.Key_Home)
    for _ in range(window.model.rowCount() // view.columns + 1):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.currentIndex().row() >= window.model.rowCount() - view.columns
    qtbot.waitUntil(lambda: view.viewport().rect().contains(view.visualRect(view.currentIndex())), timeout=2000)
    # zooming (larger cells, fewer columns) keeps the current item on screen
    current = view.currentIndex()
    view.zoom(3)
    qtbot.waitUntil(lambda: view.viewport().rect().contains(view.visualRect(current)), timeout=2000)
    assert view.indexAt(QPoint(5, 5)).isValid()


def test_thumbnails_are_sharp_at_device_pixel_ratio_two(qtbot, window, monkeypatch) -> None:  # noqa: ANN001
    assert grid_px_for(156, 1.0) == 256
    assert grid_px_for(156, 2.0) == 512
    assert grid_px_for(300, 2.0) == 768
    _all_results(qtbot, window)
    view = window.results_view
    assert window.model.grid_px == 256
    monkeypatch.setattr(type(view), "devicePixelRatioF", lambda self: 2.0)
    window.resize(1399, 900)  # relayout, as when the window moves to a HiDPI screen
    qtbot.waitUntil(lambda: window.model.grid_px == 512, timeout=2000)
    asked: list[int] = []
    pixmap = window.loader.pixmap
    monkeypatch.setattr(window.loader, "pixmap", lambda path, size, frame=0: asked.append(size) or pixmap(path, size, frame))
    index = window.model.index(0, 0)
    qtbot.waitUntil(lambda: index.data(ThumbnailRole) is not None, timeout=5000)
    assert 512 in asked  # (the preview asks 1024, and 256 until that arrives)
