"""`photolens places`: where the library's pictures were taken, with counts."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `photolens --help` must not load the engine (numpy, ONNX Runtime, the catalog)
    from .library import Library


def add_places(sub: argparse._SubParsersAction, open_library: Callable[..., Library]) -> None:  # noqa: SLF001
    p = sub.add_parser("places", help="where your pictures were taken (from their GPS), with counts")
    p.add_argument("--json", action="store_true", help="print name, country, count and place ids as JSON")
    p.add_argument("--countries", action="store_true", help="count by country instead of by city")
    p.set_defaults(func=lambda args: cmd_places(args, open_library))


def cmd_places(args: argparse.Namespace, open_library: Callable[..., Library]) -> int:
    with open_library(args, read_only=None) as lib:
        index = lib.places
        rows = index.countries() if args.countries else index.everywhere()
        placed = index.count()
    if args.json:
        print(json.dumps([{"name": r.name, "country": r.country, "label": r.label, "photos": r.photos,
                           "place_ids": list(r.place_ids)} for r in rows], ensure_ascii=False))
        return 0
    if not rows:
        print("No picture has a GPS position yet (phones and many cameras record one; "
              "`photolens index` reads it).")
        return 0
    width = max(len(r.label) for r in rows)
    for r in rows:
        print(f"{r.label:<{width}}  {r.photos:>6}")
    print(f"{placed} pictures with a place; search with place:NAME or just the name")
    return 0
