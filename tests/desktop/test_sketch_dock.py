"""The sketch pad docks beside the results: it covers none of them, strokes and words update
them live, and closing it keeps the query."""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, QRect, Qt

from tests.desktop.helpers import wait_results


def _global_rect(widget) -> QRect:  # noqa: ANN001
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def test_the_sketch_pad_docks_beside_the_results(qtbot, window) -> None:  # noqa: ANN001
    window.resize(1400, 900)
    pad = window.dialogs.open_sketch_pad()
    dock = window.dialogs.sketch_dock
    assert dock is not None and dock.isVisible() and pad.isVisible()
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.RightDockWidgetArea
    qtbot.waitUntil(lambda: not _global_rect(dock).intersects(_global_rect(window.results_view)), timeout=2000)
    assert window.results_view.width() > 400  # the grid keeps room


def test_strokes_and_words_update_the_results_live_and_closing_keeps_them(qtbot, window) -> None:  # noqa: ANN001
    pad = window.dialogs.open_sketch_pad()
    circle = [(256 + 90 * math.cos(2 * math.pi * i / 40), 256 + 90 * math.sin(2 * math.pi * i / 40)) for i in range(41)]
    results = wait_results(qtbot, window, lambda: pad.canvas.draw_stroke(circle))
    assert results.query.sketch is not None
    results = wait_results(qtbot, window, lambda: qtbot.keyClicks(pad.words, "red"))  # no Enter
    assert results.query.text == "red" and results.query.sketch is not None
    assert window.search_bar.field.text() == "red"
    qtbot.keyClicks(pad.words, " ball")  # typed, then closed before the pause: still searched
    results = wait_results(qtbot, window, pad.close)
    assert results.query.text == "red ball"
    assert not window.dialogs.sketch_dock.isVisible()
    assert window.search.state.sketch is not None and window.search.state.text == "red ball"
    assert "Sketch" in window.search_bar.chip_texts()
    pad = window.dialogs.open_sketch_pad()  # back, with the query as it was
    assert pad.words.text() == "red ball" and not pad.canvas.is_blank
