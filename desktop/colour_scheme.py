"""Follow the desktop's light or dark setting (Qt's colour scheme) with a matching palette.

Fusion draws with the application palette, and the style sheet uses palette colours only,
so one palette switch turns the whole window dark or light, also while the app runs.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

_DARK = {
    QPalette.ColorRole.Window: "#202124", QPalette.ColorRole.WindowText: "#e8eaed",
    QPalette.ColorRole.Base: "#17181a", QPalette.ColorRole.AlternateBase: "#2a2b2e",
    QPalette.ColorRole.ToolTipBase: "#2a2b2e", QPalette.ColorRole.ToolTipText: "#e8eaed",
    QPalette.ColorRole.Text: "#e8eaed", QPalette.ColorRole.Button: "#2d2e31",
    QPalette.ColorRole.ButtonText: "#e8eaed", QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Highlight: "#4f8ff7", QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#8ab4f8", QPalette.ColorRole.PlaceholderText: "#9aa0a6",
    QPalette.ColorRole.Mid: "#5f6368", QPalette.ColorRole.Dark: "#111214",
    QPalette.ColorRole.Light: "#3c4043", QPalette.ColorRole.Midlight: "#303134",
    QPalette.ColorRole.Shadow: "#000000",
}
_DISABLED_TEXT = "#6f7378"


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DISABLED_TEXT))
    return palette


def apply_colour_scheme(app: QApplication, scheme: Qt.ColorScheme | None = None) -> bool:
    """Dark palette for a dark scheme, the style's own for a light one; True if dark."""
    scheme = app.styleHints().colorScheme() if scheme is None else scheme
    dark = scheme == Qt.ColorScheme.Dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    sheet = app.styleSheet()
    if sheet:  # palette(...) in the style sheet is resolved when it is set: set it again
        app.setStyleSheet("")
        app.setStyleSheet(sheet)
    log.debug("colour scheme: %s", "dark" if dark else "light")
    return dark


def follow_colour_scheme(app: QApplication) -> None:
    """Apply the desktop's scheme now and whenever it changes."""
    apply_colour_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda scheme: apply_colour_scheme(app, scheme))
