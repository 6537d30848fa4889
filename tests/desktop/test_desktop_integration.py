"""Following the desktop: its dark setting, a Help menu (shortcuts, the log, about), and a
folder filter that lists subfolders and remembers the last choice."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from photolens.desktop.colour_scheme import apply_colour_scheme
from tests.desktop.helpers import SEARCH_TIMEOUT_MS


def test_the_dark_setting_turns_the_palette_dark_and_back(qtbot) -> None:  # noqa: ANN001
    app = QApplication.instance()
    before = app.palette()
    try:
        assert apply_colour_scheme(app, Qt.ColorScheme.Dark)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() < 60
        assert app.palette().color(QPalette.ColorRole.Text).lightness() > 200
        assert not apply_colour_scheme(app, Qt.ColorScheme.Light)
        assert app.palette().color(QPalette.ColorRole.Window).lightness() > 180
    finally:
        app.setPalette(before)


def test_the_help_menu_lists_shortcuts_and_the_log(qtbot, window) -> None:  # noqa: ANN001
    menus = {a.text().replace("&", ""): a.menu() for a in window.menuBar().actions()}
    entries = [a.text() for a in menus["Help"].actions()]
    assert entries == ["Keyboard shortcuts", "Where is the log?", "About Photolens"]
    dialog = window.show_shortcuts()
    keys = dict(dialog.rows)
    assert keys["Ctrl+K"].startswith("Sketch pad") and "Esc" in keys and "Viewer: I" in keys
    assert dialog.width() <= 1280 and dialog.height() <= 720
    dialog.close()
    log = window.show_log()
    assert log.path == window.library.data_dir / "photolens-gui.log"
    log.show_button.click()
    assert window.desktop.revealed == [str(log.path)]
    log.close()


def test_the_folder_filter_is_a_tree_and_remembers_the_choice(qtbot, make_window, library, gallery: Path,  # noqa: ANN001
                                                              tmp_path: Path) -> None:
    window = make_window(library)
    combo = window.filter_bar.folder
    qtbot.waitUntil(lambda: combo.count() == 4, timeout=5000)
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[0] == "All folders" and labels[2:] == ["    home", "    trip"]
    combo.setCurrentIndex(3)
    qtbot.waitUntil(lambda: window.model.browsing and window.model.hits
                    and all("/trip/" in h.path for h in window.model.hits), timeout=SEARCH_TIMEOUT_MS)
    assert len(window.model.hits) == 12
    window.close()  # saves the window state
    store = QSettings(str(tmp_path / "window0.ini"), QSettings.Format.IniFormat)
    from photolens.desktop.main_window import MainWindow
    from tests.desktop.helpers import RecordingActions

    again = MainWindow(library, window_state_store=store, actions=RecordingActions(), default_folders=[],
                       thumbnail_threads=1)
    qtbot.addWidget(again)
    try:
        again.show()
        again.start()
        qtbot.waitUntil(lambda: again.filter_bar.folder.currentData() == str(gallery / "trip"), timeout=5000)
        qtbot.waitUntil(lambda: again.model.browsing and len(again.model.hits) == 12, timeout=SEARCH_TIMEOUT_MS)
    finally:
        again.shutdown()
