"""Entry points: `photolens` (CLI; the GUI when run with no command) and `photolens-gui`.

Qt is imported only when the GUI starts, so the CLI starts fast.
"""

from __future__ import annotations

import sys

_GUI_OPTIONS = ("--data-dir", "--debug")


def _only_gui_options(args: list[str]) -> bool:
    """True for [], ['--debug'], ['--data-dir', 'X'], ['--data-dir=X', '--debug'], ..."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--data-dir":
            i += 2
            continue
        if arg.startswith("--data-dir=") or arg == "--debug":
            i += 1
            continue
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
