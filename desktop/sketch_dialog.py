"""SketchPadDialog: draw a rough picture, add words, balance the two, and search.

Docked beside the results (WindowDialogs puts it in a QDockWidget), so it never covers
what it updates: strokes, words and the balance update the results as they change (when
"search as I draw" is on); closing it keeps the query.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QIcon, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .query_state import DEFAULT_SKETCH_BALANCE, sketch_weight_for
from .sketch_canvas import SketchCanvas

log = logging.getLogger(__name__)

PALETTE = (
    ("black", "#1a1a1a"), ("red", "#d72323"), ("orange", "#f58719"), ("yellow", "#f0d228"),
    ("green", "#28a03c"), ("blue", "#234bd2"), ("purple", "#7d32a5"), ("pink", "#f07db9"),
)
WIDTHS = (("Thin", 4), ("Medium", 8), ("Thick", 16))
LIVE_DELAY_MS = 400


def _swatch(colour: str) -> QIcon:
    pix = QPixmap(18, 18)
    pix.fill(QColor(colour))
    return QIcon(pix)


class SketchPadDialog(QWidget):
    search_requested = Signal(object, str, int)  # QImage | None (blank), words, balance 0..100
    close_requested = Signal()  # Close: the dock hides (the query stays)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sketchPad")
        self.setWindowTitle("Sketch pad — Photolens")
        self.canvas = SketchCanvas(self)

        tools = QHBoxLayout()
        self.pen_button = QToolButton(self)
        self.pen_button.setText("Pen")
        self.eraser_button = QToolButton(self)
        self.eraser_button.setText("Eraser")
        mode = QButtonGroup(self)
        for button in (self.pen_button, self.eraser_button):
            button.setCheckable(True)
            mode.addButton(button)
            tools.addWidget(button)
        self.pen_button.setChecked(True)
        self.pen_button.toggled.connect(lambda on: self.canvas.set_eraser(not on))
        tools.addSpacing(8)
        colour_row = QHBoxLayout()  # a row of its own: the pad is docked, and narrow
        self.colour_buttons: dict[str, QToolButton] = {}
        colours = QButtonGroup(self)
        for name, value in PALETTE:
            button = QToolButton(self)
            button.setIcon(_swatch(value))
            button.setToolTip(name.capitalize())
            button.setAccessibleName(name)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, v=value: self._pick_colour(v))
            colours.addButton(button)
            self.colour_buttons[name] = button
            colour_row.addWidget(button)
        colour_row.addStretch(1)
        self.colour_buttons["black"].setChecked(True)
        widths = QButtonGroup(self)
        for label, width in WIDTHS:
            button = QToolButton(self)
            button.setText(label)
            button.setCheckable(True)
            button.setChecked(width == self.canvas.pen_width)
            button.clicked.connect(lambda _=False, w=width: self.canvas.set_pen_width(w))
            widths.addButton(button)
            tools.addWidget(button)
        tools.addStretch(1)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setToolTip("Undo the last stroke (Ctrl+Z)")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.clicked.connect(self.canvas.clear)
        colour_row.addWidget(self.undo_button)
        colour_row.addWidget(self.clear_button)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self).activated.connect(self.canvas.undo)

        self.words = QLineEdit(self)
        self.words.setPlaceholderText("Add words (optional), e.g. “blue” or “at the beach”")
        self.words.returnPressed.connect(self.request_search)
        self.words.textEdited.connect(self._schedule_live)  # words count as they are typed

        self.balance = QSlider(Qt.Orientation.Horizontal, self)
        self.balance.setRange(0, 100)
        self.balance.setValue(DEFAULT_SKETCH_BALANCE)
        self.balance.setToolTip("How much the sketch counts compared with the words")
        self.balance_label = QLabel(self)
        self.balance.valueChanged.connect(self._show_balance)
        self.balance.sliderReleased.connect(self._schedule_live)
        self._show_balance(self.balance.value())
        balance_row = QHBoxLayout()
        balance_row.addWidget(QLabel("Words", self))
        balance_row.addWidget(self.balance, 1)
        balance_row.addWidget(QLabel("Sketch", self))
        balance_row.addWidget(self.balance_label)

        self.live = QCheckBox("Search as I draw", self)
        self.live.setChecked(True)
        self.search_button = QPushButton("Search", self)
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.request_search)
        close = QPushButton("Close", self)
        close.setToolTip("Hide the sketch pad; the sketch and the words stay in the search")
        close.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.live)
        bottom.addStretch(1)
        bottom.addWidget(self.search_button)
        bottom.addWidget(close)

        hint = QLabel("Draw the shapes and colours you remember; add a few words for what a sketch cannot say.")
        hint.setObjectName("hint")
        hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(tools)
        layout.addLayout(colour_row)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.words)
        layout.addLayout(balance_row)
        layout.addLayout(bottom)

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_DELAY_MS)
        self._live_timer.timeout.connect(self.request_search)
        self.canvas.changed.connect(self._on_canvas_changed)
        self._on_canvas_changed()
        self.setMinimumWidth(300)

    def _pick_colour(self, value: str) -> None:
        self.canvas.set_colour(QColor(value))
        self.pen_button.setChecked(True)

    def _show_balance(self, value: int) -> None:
        self.balance_label.setText(f"×{sketch_weight_for(value):.1f}")

    def _on_canvas_changed(self) -> None:
        self.undo_button.setEnabled(self.canvas.can_undo)
        self._schedule_live()

    def _schedule_live(self) -> None:
        if self.live.isChecked() and self.isVisible():
            self._live_timer.start()

    def start(self, words: str, sketch: QImage | None, balance: int) -> None:
        """Open with the main window's words and the current sketch, if any."""
        self.words.setText(words)
        if sketch is not None:
            self.canvas.load(sketch)
        self.balance.setValue(balance)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        """Closing keeps the query: what was drawn or typed and not yet searched is searched now."""
        if self._live_timer.isActive():
            self.request_search()
        self.close_requested.emit()
        super().closeEvent(event)

    def request_search(self) -> None:
        self._live_timer.stop()
        sketch = None if self.canvas.is_blank else self.canvas.image()
        self.search_requested.emit(sketch, self.words.text(), self.balance.value())
