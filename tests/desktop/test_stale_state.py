"""Each piece of the window's state belongs to one query: chips, preview and banners of an
older query go when a new one is typed."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.desktop.helpers import type_query, wait_results


def test_more_like_chip_goes_when_new_words_are_typed(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "square")
    window.filter_bar.show_weak.setChecked(True)
    window.results_view.setCurrentIndex(window.model.index(2, 0))
    more = wait_results(qtbot, window, window.preview.buttons["more"].click)
    assert more.query.like_items and window.search_bar.chip_texts() == ["More like 1"]
    window.search_bar.field.clear()
    results = type_query(qtbot, window, "circle")
    assert results.query.like_items == () and results.query.unlike_items == ()
    assert window.search_bar.chip_texts() == []


def test_preview_is_empty_under_nothing_found(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "green")
    assert window.preview.hit is not None
    when = window.filter_bar.when
    empty = wait_results(qtbot, window, lambda: when.setCurrentIndex(when.findData("30d")))
    assert empty.hits == ()
    # the start-up scan may end now and run the query again: wait for what it settles on
    qtbot.waitUntil(lambda: window.empty.title.text() == "Nothing found", timeout=20_000)
    assert window.preview.hit is None
    assert not window.preview.buttons["open"].isVisible()
    assert not window.preview.buttons["more"].isVisible()


def test_a_query_error_banner_goes_with_its_query(qtbot, window) -> None:  # noqa: ANN001
    field = window.search_bar.field
    field.setFocus()
    with qtbot.waitSignal(window.search.failed, timeout=10000):
        qtbot.keyClicks(field, "cat after:yesterday")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.banner.isVisible()
    qtbot.keyClick(field, Qt.Key.Key_Escape)  # back to no query: the banner was about that one
    assert not window.banner.isVisible()
    with qtbot.waitSignal(window.search.failed, timeout=10000):
        qtbot.keyClicks(field, "dog after:yesterday")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.banner.isVisible()
    qtbot.keyClicks(field, "x")  # typing another query: the banner goes at once
    assert not window.banner.isVisible()
