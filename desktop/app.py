"""run_app: the GUI's entry point. Builds the engine objects and the window, runs Qt."""

from __future__ import annotations

import argparse
import logging
import logging.handlers
import os
import sys
import time
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from photolens.core.config import default_data_dir, ensure_private_dir
from photolens.core.errors import PhotolensError
from photolens.core.integration import APP_ID
from photolens.core.library import Library

from .colour_scheme import follow_colour_scheme
from .crash_report import CrashGuard
from .help_dialogs import LOG_FILE
from .main_window import MainWindow

log = logging.getLogger(__name__)

APP_NAME = "Photolens"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="photolens", description="Private photo search on the desktop.")
    parser.add_argument("--data-dir", type=Path, default=None, help="library folder (default: the user data dir)")
    parser.add_argument("--debug", action="store_true", help="log debug messages")
    parser.add_argument("--quit-after", type=float, default=None, metavar="SECONDS",
                        help="close the window after this many seconds (smoke tests)")
    return parser.parse_args(argv)


def configure_logging(data_dir: Path, debug: bool) -> None:
    """Log to stderr and to a rotating file in the data dir (entry points only)."""
    level = logging.DEBUG if debug else logging.INFO
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    stream = logging.StreamHandler()
    stream.setFormatter(fmt)
    stream.setLevel(level if debug else logging.WARNING)
    root.addHandler(stream)
    try:
        ensure_private_dir(data_dir)
        handler = logging.handlers.RotatingFileHandler(data_dir / LOG_FILE, maxBytes=2_000_000, backupCount=2,
                                                       encoding="utf-8")
        handler.setFormatter(fmt)
        root.addHandler(handler)
    except OSError as exc:
        log.warning("cannot write the log file in %s: %s", data_dir, exc)


def load_style(app: QApplication) -> None:
    """Fusion plus the project's style sheet (palette-relative colours: light and dark)."""
    app.setStyle("Fusion")
    follow_colour_scheme(app)  # the desktop's dark or light setting, also when it changes
    try:
        qss = resources.files("photolens.resources").joinpath("style.qss").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError, OSError) as exc:
        log.warning("style sheet not found: %s", exc)
        return
    app.setStyleSheet(qss)


def app_icon() -> QIcon:
    try:
        path = resources.files("photolens.resources").joinpath("icons", "photolens.svg")
        return QIcon(str(path))
    except (ModuleNotFoundError, OSError):
        return QIcon()


def process_age_s() -> float | None:
    """Seconds since this process started (Linux: /proc), for the start-up time in the log."""
    try:
        fields = Path("/proc/self/stat").read_text().rpartition(")")[2].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def window_state_store() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "photolens", "window")


def run_app(argv: list[str]) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir.expanduser() if args.data_dir else default_data_dir()
    configure_logging(data_dir, args.debug)
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *argv])
    app.setApplicationName("photolens")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("photolens")
    app.setDesktopFileName(APP_ID)  # matches the installed .desktop file
    app.setWindowIcon(app_icon())
    load_style(app)
    guard = CrashGuard(data_dir)
    crashed = guard.previous_crash()
    guard.start()
    try:
        return _run_window(app, data_dir, args, crashed)
    finally:
        guard.stop()


def _run_window(app: QApplication, data_dir: Path, args: argparse.Namespace, crashed: str | None) -> int:
    try:
        library = Library.open(data_dir)
    except PhotolensError as exc:
        log.error("cannot open the library: %s", exc)
        QMessageBox.critical(None, APP_NAME, f"Photolens cannot open its library in {data_dir}:\n\n{exc}")
        return 1
    log.info("library %s opened (%s)", data_dir, "read-only" if library.read_only else "writable")
    if crashed:
        log.warning("%s", crashed)
        library.notes.insert(0, crashed)
    window = MainWindow(library, window_state_store=window_state_store())
    window.show()
    age = process_age_s()
    if age is not None:
        log.info("window shown %.3f s after the process started", age)
    QTimer.singleShot(0, window.start)
    if args.quit_after is not None:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    try:
        return int(app.exec())
    finally:
        window.shutdown()
        library.close()
        log.info("closed; pid %d", os.getpid())
