"""With no query the window shows the library: newest first, a heading per month, a date
scrubber; a search narrows it and Esc returns to it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.desktop.helpers import SEARCH_TIMEOUT_MS, type_query


def _library_shown(qtbot, window) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: window.model.browsing and len(window.model.hits) == 24, timeout=SEARCH_TIMEOUT_MS)


def test_the_window_opens_on_the_library_grouped_by_month(qtbot, window) -> None:  # noqa: ANN001
    _library_shown(qtbot, window)
    assert window.stack.currentWidget() is window.results_view
    dates = [h.taken_at for h in window.model.hits]
    assert dates == sorted(dates, reverse=True)
    headers = window.model.headers()
    assert [h.label for _row, h in headers] == ["October 2020", "September 2020"]
    assert [h.count for _row, h in headers] == [6, 18]
    assert headers[0][0] == 0 and window.model.header(window.model.index(headers[1][0], 0)) is not None
    assert "24 pictures and videos" in window.filter_bar.summary.text()
    view = window.results_view
    # a heading spans the row: the month's first picture starts the next row
    september = headers[1][0]
    assert view.visualRect(window.model.index(september, 0)).width() >= view.delegate.cell.width() * view.columns
    first = view.visualRect(window.model.index(september + 1, 0))
    assert first.x() == 0 and first.y() > view.visualRect(window.model.index(september - 1, 0)).y()
    # headings are not results: not selectable, skipped by the arrow keys
    assert not window.model.flags(window.model.index(0, 0)) & Qt.ItemFlag.ItemIsSelectable
    assert window.model.hit(view.currentIndex()) == window.model.hits[0]
    view.setFocus()
    for _ in range(4):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        assert window.model.hit(view.currentIndex()) is not None


def test_the_date_scrubber_jumps_to_a_month(qtbot, window) -> None:  # noqa: ANN001
    window.resize(1400, 700)
    _library_shown(qtbot, window)
    view = window.results_view
    scrubber = view.scrubber
    assert scrubber.isVisible()
    assert [h.label for _row, h in scrubber.marks()] == ["October 2020", "September 2020"]
    september = window.model.headers()[1][0]
    qtbot.mouseClick(scrubber, Qt.MouseButton.LeftButton, pos=QPoint(scrubber.width() // 2, scrubber.height() - 4))
    assert view.currentIndex().row() == september + 1
    top = view.indexAt(QPoint(view.viewport().width() // 2, 2))
    assert top.row() in (september, september + 1)


def test_a_search_narrows_the_library_and_escape_returns_to_it(qtbot, window) -> None:  # noqa: ANN001
    _library_shown(qtbot, window)
    type_query(qtbot, window, "circle")
    assert not window.model.browsing and window.model.headers() == []
    assert not window.results_view.scrubber.isVisible()
    window.results_view.setFocus()
    qtbot.keyClick(window.results_view, Qt.Key.Key_Escape)
    _library_shown(qtbot, window)
    assert window.search_bar.field.text() == ""
    assert window.results_view.scrubber.isVisible()
    # the filters narrow the library view too
    window.filter_bar.kind.setCurrentIndex(window.filter_bar.kind.findData("video"))
    qtbot.waitUntil(lambda: window.model.browsing and not window.model.hits, timeout=SEARCH_TIMEOUT_MS)
    assert window.stack.currentWidget() is window.empty
