"""Entry points: `photolens` (CLI; the GUI when run with no command) and `photolens-gui`.

Qt is imported only when the GUI starts, so the CLI starts fast.
"""

from __future__ import annotations

import os
import sys

# Before anything can load ONNX Runtime, here and in every process started from here:
# its telemetry stays off (core/ort_runtime.py says why).
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from photolens.core.gui_check import PROBE_CODE, PROBE_ENV  # noqa: E402

_GUI_FLAGS = ("--debug",)
_GUI_OPTIONS = ("--data-dir", "--quit-after")  # options that take a value


def _only_gui_options(args: list[str]) -> bool:
    """True for [], ['--debug'], ['--data-dir', 'X'], ['--data-dir=X', '--debug'], ..."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _GUI_OPTIONS:
            i += 2
        elif arg in _GUI_FLAGS or arg.split("=", 1)[0] in _GUI_OPTIONS:
            i += 1
        else:
            return False
    return True


def gui_main(argv: list[str] | None = None) -> int:
    """Check in a child process that Qt can open a window (Qt aborts the process when its
    platform plugin cannot load), then run the app; a clear line and exit code 2 if not.
    The app's modules are imported while the child runs (importing Qt does not start its
    platform plugin; only the QApplication does): ~0.25 s less to the window on 2 cores."""
    from photolens.core.gui_check import check_gui

    loaded: dict[str, object] = {}

    def import_app() -> None:
        try:
            from .app import run_app
        except ImportError as exc:  # Qt's libraries missing: the check below names them
            loaded["error"] = exc
        else:
            loaded["run_app"] = run_app

    check = check_gui(meanwhile=import_app)
    if not check.ok:
        sys.stderr.write(f"photolens: cannot open the window: {check.message}\n")
        return 2
    if "error" in loaded:
        raise loaded["error"]  # type: ignore[misc]
    run_app = loaded["run_app"]
    return run_app(sys.argv[1:] if argv is None else argv)  # type: ignore[operator, no-any-return]


def main(argv: list[str] | None = None) -> int:
    if os.environ.get(PROBE_ENV):  # the child of check_gui in a frozen app: only start Qt
        exec(PROBE_CODE, {"__name__": "__probe__"})  # noqa: S102 - our own constant
        return 0
    args = sys.argv[1:] if argv is None else argv
    if _only_gui_options(args):
        return gui_main(args)
    from photolens.core.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
