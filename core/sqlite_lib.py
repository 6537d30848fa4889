"""sqlite-utils, imported without pandas.

sqlite-utils imports pandas whenever it is installed (~0.4 s of a one-shot `photolens
search`, for a pandas.Timestamp column type the catalog never uses). pandas is hidden while
sqlite-utils loads, so it takes its no-pandas path; the entry is removed afterwards, so
importing pandas later still works.
"""

from __future__ import annotations

import sys

_HIDE = "pandas" not in sys.modules
if _HIDE:
    sys.modules["pandas"] = None  # type: ignore[assignment]  # None: "import pandas" raises ImportError
try:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations
finally:
    if _HIDE and "pandas" in sys.modules and sys.modules["pandas"] is None:
        del sys.modules["pandas"]

__all__ = ["Database", "Migrations"]
