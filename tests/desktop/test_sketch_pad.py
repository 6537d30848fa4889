"""The sketch pad: drawing with the mouse and programmatically, tools, undo, and searching."""

from __future__ import annotations

import math

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from photolens.desktop.query_state import sketch_weight_for
from photolens.desktop.sketch_canvas import SketchCanvas
from tests.desktop.helpers import wait_results


def _circle(cx: float = 256, cy: float = 256, r: float = 120, n: int = 48) -> list[tuple[float, float]]:
    return [(cx + r * math.cos(2 * math.pi * i / n), cy + r * math.sin(2 * math.pi * i / n)) for i in range(n + 1)]


def test_canvas_pen_eraser_undo_and_clear(qtbot) -> None:  # noqa: ANN001
    canvas = SketchCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(300, 300)
    canvas.show()
    assert canvas.is_blank and not canvas.can_undo
    # a stroke with the mouse, in widget coordinates
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(60, 150))
    for x in range(60, 241, 20):
        qtbot.mouseMove(canvas, QPoint(x, 150))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(240, 150))
    assert not canvas.is_blank and canvas.can_undo
    middle = canvas.to_canvas(QPoint(150, 150).toPointF())
    assert canvas.image().pixelColor(middle.toPoint()).lightness() < 60  # black ink
    # a red stroke drawn programmatically
    canvas.set_colour(QColor("#d72323"))
    canvas.draw_stroke(_circle())
    assert canvas.image().pixelColor(376, 256).red() > 180
    # the eraser paints paper
    canvas.set_eraser(True)
    canvas.draw_stroke([(376, 200), (376, 310)])
    assert canvas.image().pixelColor(376, 256) == QColor(255, 255, 255)
    canvas.undo()  # the eraser stroke is gone
    assert canvas.image().pixelColor(376, 256).red() > 180
    canvas.clear()
    assert canvas.is_blank
    canvas.undo()  # clearing can be undone too
    assert not canvas.is_blank


def test_sketch_and_words_search_with_the_balance_as_sketch_weight(qtbot, window) -> None:  # noqa: ANN001
    pad = window.dialogs.open_sketch_pad()
    assert pad.isVisible()
    pad.live.setChecked(False)
    pad.colour_buttons["blue"].click()
    pad.canvas.draw_stroke(_circle())
    pad.words.setText("blue")
    pad.balance.setValue(75)
    results = wait_results(qtbot, window, pad.search_button.click)
    query = results.query
    assert query.sketch is not None and query.sketch.size == (512, 512)
    assert query.sketch.getpixel((376, 256))[2] > 150  # the blue ink reached the engine
    assert query.text == "blue"
    assert query.sketch_weight == sketch_weight_for(75) == 1.5
    assert window.search_bar.field.text() == "blue"
    assert "Sketch" in window.search_bar.chip_texts()
    assert results.hits


def test_search_as_you_draw_and_removing_the_sketch(qtbot, window) -> None:  # noqa: ANN001
    pad = window.dialogs.open_sketch_pad()
    results = wait_results(qtbot, window, lambda: pad.canvas.draw_stroke(_circle(r=60)))
    assert results.query.sketch is not None and results.query.text == ""
    pad.close()
    with qtbot.waitSignal(window.search.cleared, timeout=5000):
        window.search_bar.remove_sketch.emit()  # the chip's ×
    assert window.search.state.sketch is None and window.search_bar.chip_texts() == []
