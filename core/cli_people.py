"""`photolens people`: list the people found in the pictures, name, merge, split, hide."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import PhotolensError

if TYPE_CHECKING:
    from .faces.people import People, Person
    from .library import Library

SAMPLES = 3


def add_people(sub: argparse._SubParsersAction, open_library: Callable[..., Library]) -> None:  # noqa: SLF001
    p = sub.add_parser("people", help="the people in your pictures: list, name, merge, split, hide")
    psub = p.add_subparsers(dest="people_command", metavar="ACTION")
    q = psub.add_parser("list", help="everyone found (the default)")
    q.add_argument("--json", action="store_true", help="print id, name, counts and sample paths as JSON")
    q.add_argument("--hidden", action="store_true", help="include hidden people")
    q = psub.add_parser("name", help="name a person (an empty name clears it)")
    q.add_argument("person", help="a number (12 or #12) or the current name")
    q.add_argument("name", help="the new name (unique, whatever the case)")
    q = psub.add_parser("merge", help="these are the same person: the others join the first")
    q.add_argument("person", help="who stays")
    q.add_argument("others", nargs="+", help="who joins them")
    q = psub.add_parser("split", help="these faces are someone else: a new person")
    q.add_argument("faces", nargs="+", type=int, help="face numbers (see `people show`)")
    q.add_argument("--name", help="the new person's name")
    q = psub.add_parser("show", help="a person's faces: their numbers and pictures")
    q.add_argument("person", help="a number (12 or #12) or a name")
    q.add_argument("--json", action="store_true", help="print the faces as JSON")
    q = psub.add_parser("not", help='"not this person": the face leaves its person for good')
    q.add_argument("face", type=int, help="a face number (see `people show`)")
    for name, text in (("hide", "hide a person from the list and the suggestions"), ("unhide", "show them again")):
        q = psub.add_parser(name, help=text)
        q.add_argument("person", help="a number (12 or #12) or a name")
    psub.add_parser("regroup", help="group every face again (names and corrections stay)")
    p.set_defaults(func=lambda args: cmd_people(args, open_library))


def cmd_people(args: argparse.Namespace, open_library: Callable[..., Library]) -> int:
    action = args.people_command or "list"
    with open_library(args, read_only=None if action in ("list", "show") else False) as lib:
        people = lib.people
        if action == "list":
            return _list(lib, people, args)
        if action == "show":
            return _show(lib, people, args)
        if action == "name":
            done = people.rename(args.person, args.name or None)
            print(f"#{done.id} is now {done.label}")
        elif action == "merge":
            done = people.merge(args.person, *args.others)
            print(f"{done.label} (#{done.id}): {done.faces} faces in {done.photos} pictures")
        elif action == "split":
            done = people.split(args.faces, args.name)
            print(f"new person {done.label} (#{done.id}) with {done.faces} faces")
        elif action == "not":
            face = people.face(args.face)
            people.reject(args.face)
            print(f"face {args.face} is not {face.person or 'anyone'} any more")
        elif action in ("hide", "unhide"):
            done = people.hide(args.person, action == "hide")
            print(f"{done.label} is {'hidden' if done.hidden else 'shown'}")
        elif action == "regroup":
            print(f"{people.regroup()} people")
        else:  # pragma: no cover - argparse limits the choices
            raise PhotolensError(f"unknown action {action}")
    return 0


def _samples(lib: Library, people: People, person: Person, n: int = SAMPLES) -> list[str]:
    items = list(dict.fromkeys(f.item_id for f in people.faces_of(person.id)))
    files = lib.catalog.files_for_items(items[: n * 3])
    return [fs[0].path for i in items if (fs := files.get(i))][:n]


def _list(lib: Library, people: People, args: argparse.Namespace) -> int:
    everyone = people.everyone(include_hidden=args.hidden)
    if args.json:
        print(json.dumps([{"id": p.id, "name": p.name, "label": p.label, "faces": p.faces, "photos": p.photos,
                           "hidden": p.hidden, "samples": _samples(lib, people, p)} for p in everyone],
                         ensure_ascii=False))
        return 0
    if not everyone:
        print("nobody yet (faces are found after indexing; `photolens index` runs it)")
        return 0
    for p in everyone:
        flag = "  (hidden)" if p.hidden else ""
        print(f"#{p.id:<5} {p.label:<30} {p.photos:>5} pictures  {p.faces:>5} faces{flag}")
    return 0


def _show(lib: Library, people: People, args: argparse.Namespace) -> int:
    person = people.get(args.person)
    faces = people.faces_of(person.id)
    files = lib.catalog.files_for_items([f.item_id for f in faces])
    rows = [{"face": f.id, "path": fs[0].path if (fs := files.get(f.item_id)) else None, "pinned": f.pinned,
             "quality": f.quality, "box": list(f.box)} for f in faces]
    if args.json:
        print(json.dumps({"id": person.id, "name": person.name, "faces": rows}, ensure_ascii=False))
        return 0
    print(f"{person.label} (#{person.id}): {person.faces} faces in {person.photos} pictures")
    for r in rows:
        print(f"  face {r['face']:<6} {r['path']}" + ("  (set by you)" if r["pinned"] else ""))
    return 0
