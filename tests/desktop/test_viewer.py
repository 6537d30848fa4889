"""The built-in viewer: full-window, zoom and pan, previous and next, details on demand,
videos played from the matched moment in the external player."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt

from photolens.desktop.metadata_text import taken_label
from tests.desktop.helpers import type_query


def test_enter_views_a_result_full_window_and_arrows_step_through(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "circle")
    view, viewer = window.results_view, window.viewer
    view.setFocus()
    view.setCurrentIndex(window.model.index_of(window.model.hits[2].path))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert viewer.isVisible() and viewer.hasFocus()
    assert viewer.geometry() == window.centralWidget().rect()  # the whole window, not the preview's corner
    assert viewer.hit == window.model.hits[2]
    qtbot.waitUntil(lambda: viewer.canvas.pixmap is not None and not viewer.canvas.pixmap.isNull(), timeout=5000)
    assert "3 of" in viewer.title.text()
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.hit == window.model.hits[3]
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.hit == window.model.hits[1]
    # details on demand
    assert not viewer.info.isVisible()
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    assert viewer.info.isVisible() and "Dimensions" in viewer.info.text()
    # zoom (keys, wheel) and pan (drag); 0 fits again
    canvas = viewer.canvas
    qtbot.waitUntil(lambda: canvas.pixmap is not None and not canvas.pixmap.isNull(), timeout=5000)
    fitted = canvas.drawn_rect()
    qtbot.keyClick(viewer, Qt.Key.Key_Plus)
    assert canvas.zoom > 1.0 and canvas.drawn_rect().width() > fitted.width()
    before = canvas.drawn_rect().topLeft()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))
    qtbot.mouseMove(canvas, QPoint(140, 120))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(140, 120))
    assert canvas.drawn_rect().topLeft() - before == QPointF(40, 20)
    qtbot.keyClick(viewer, Qt.Key.Key_0)
    assert canvas.zoom == 1.0 and canvas.drawn_rect() == fitted
    # Esc: back to the grid, on the picture seen last
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    assert window.model.hit(view.currentIndex()) == window.model.hits[1]
    assert window.desktop.opened == []  # nothing needed another application


def test_a_video_plays_from_its_moment_in_the_external_player(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "square")
    hit = replace(window.model.hits[0], media_type="video", frame_ms=4000, duration_s=6.0)
    window.desktop.seeking_player = True
    window.viewer.open_at([hit], 0)
    assert window.viewer.play_button.isVisible() and "0:04" in window.viewer.title.text()
    qtbot.keyClick(window.viewer, Qt.Key.Key_Return)
    assert window.desktop.opened == [f"{hit.path}@4"]
    window.viewer.close_viewer()


def test_a_date_without_exif_is_labelled_file_date(qtbot, window, tmp_path: Path) -> None:  # noqa: ANN001
    type_query(qtbot, window, "green")
    hit = window.model.hits[0]  # the gallery's PNGs have no capture date: their mtime stands in
    assert taken_label(hit)[0] == "File date"
    assert window.preview.hit == hit
    assert window.preview._form.labelForField(window.preview.fields["Taken"]).text() == "File date:"  # noqa: SLF001
    assert taken_label(replace(hit, taken_at=hit.taken_at - 86_400))[0] == "Taken"  # EXIF: another time
