"""Entry points: `photolens` (CLI; the GUI when run with no command) and `photolens-gui`.

Qt is imported only when the GUI starts, so the CLI starts fast.
"""

from __future__ import annotations

import sys

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
    from .app import run_app

    return run_app(sys.argv[1:] if argv is None else argv)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if _only_gui_options(args):
        return gui_main(args)
    from photolens.core.cli import main as cli_main

    return cli_main(args)


if __name__ == "__main__":
    sys.exit(main())
