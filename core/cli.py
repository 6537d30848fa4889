"""The `photolens` command line: index, search, status, models.

Scriptable: `--json` output, exit code 0 on success, otherwise one clear line on stderr
(the traceback only with --debug). Progress bars are drawn here, never in the engine.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sqlite3
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .config import default_data_dir, default_models_dir
from .errors import PhotolensError
from .progress import Controls, IndexProgress

if TYPE_CHECKING:
    from .library import Library
    from .switch import SwitchStatus

log = logging.getLogger("photolens.cli")


def _version() -> str:
    # imported here: 17-24 ms of every command otherwise
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("photolens")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


class _VersionAction(argparse.Action):
    """--version, with the version looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        sys.stdout.write(f"photolens {_version()}\n")
        parser.exit()


class ProgressBar:
    """A one-line progress bar on a terminal (plain lines when not a TTY)."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.tty = stream.isatty()
        self._last = 0.0

    def __call__(self, p: IndexProgress) -> None:
        now = time.monotonic()
        final = p.phase == "done"
        if not final and now - self._last < (0.2 if self.tty else 5.0):
            return
        self._last = now
        if p.phase == "scan":
            line = f"scanning… {p.done} files found"
        elif p.phase == "analyze":
            line = f"{(p.current or 'analysing').lower()}… {p.done}/{p.total}"
        else:
            width = 30
            filled = int(width * p.fraction)
            eta = f" ETA {int(p.eta_s // 60)}:{int(p.eta_s % 60):02d}" if p.eta_s else ""
            errs = f" {p.errors} errors" if p.errors else ""
            line = f"[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} {p.rate:.1f} img/s{eta}{errs}"
            if p.phase == "reembed":
                line = "new model " + line
        if self.tty:
            self.stream.write("\r\x1b[2K" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _weight(text: str) -> float:
    """A query weight: a finite number from 0 to 100 (NaN or infinity would make every score NaN)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0.0 <= value <= 100.0:
        raise argparse.ArgumentTypeError(f"{text!r}: a weight is a number from 0 to 100")
    return value


def _add_model_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--model", metavar="NAME", help="model to use (see `photolens models`)")
    g.add_argument("--model-path", metavar="DIR", type=Path, help="use an exported model folder")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="photolens", description="Private photo search: find pictures by words, by example or by sketch."
    )
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("--data-dir", type=Path, metavar="DIR", help="library folder (default: $PHOTOLENS_DATA_DIR or the user data dir)")
    parser.add_argument("--debug", action="store_true", help="verbose logging and full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_index, _add_search, _add_status, _add_watch, _add_remove, _add_doctor, _add_desktop_entry,
                _add_models):
        add(sub)
    from .cli_people import add_people

    add_people(sub, _open)
    from .cli_places import add_places

    add_places(sub, _open)
    _add_repair(sub)
    return parser


Subparsers = argparse._SubParsersAction  # noqa: SLF001 - argparse names it privately


def _add_index(sub: Subparsers) -> None:
    p = sub.add_parser("index", help="add folders and index new and changed pictures")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="folders to add (none: rescan the known ones)")
    _add_model_args(p)
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    c = p.add_argument_group("on a Ray cluster (pip install 'photolens[cluster]')")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="decode and embed on Ray: `local` (a Ray instance here) or ray://HOST:PORT")
    c.add_argument("--cluster-files", choices=("auto", "shared", "ship"), default="auto",
                   help="shared: the workers read the files (see --path-map); ship: this machine decodes "
                        "and sends model-size pixels; auto (default): shared for `local` or with --path-map")
    c.add_argument("--path-map", action="append", default=[], metavar="LOCAL=REMOTE",
                   help="where the workers see a folder, e.g. /home/me/Pictures=/mnt/nas/Pictures (repeatable)")
    c.add_argument("--cluster-window", type=int, default=0, metavar="N",
                   help="files (shared) or pictures (ship) per cluster job (default 4096 / 512)")
    p.set_defaults(func=cmd_index)


def _cluster_options(args: argparse.Namespace):  # noqa: ANN202 - ClusterOptions | None
    if not args.cluster:
        return None
    from .cluster.options import ClusterOptions, PathMap
    from .cluster.ray_stage import INSTALL_HINT, ray_available

    if not ray_available():  # before the library changes: nothing added, nothing scanned
        raise PhotolensError(f"--cluster needs Ray: {INSTALL_HINT}")
    return ClusterOptions(args.cluster, files=args.cluster_files, window=args.cluster_window,
                          path_maps=tuple(PathMap.parse(m) for m in args.path_map))


def _add_search(sub: Subparsers) -> None:
    p = sub.add_parser("search", help="search by words, example image and/or sketch")
    p.add_argument("query", nargs="?", default="", help='words, e.g. "beach sunset -people after:2019 in:Holidays"; '
                   'text:"wifi password" keeps pictures that show those words')
    p.add_argument("--image", type=Path, metavar="FILE", help="an example image (with words: 'this, but ...')")
    p.add_argument("--sketch", type=Path, metavar="FILE", help="a drawing of what you look for")
    p.add_argument("--sketch-weight", type=_weight, default=0.6, help="weight of the sketch against the words (default 0.6)")
    p.add_argument("--image-weight", type=_weight, default=1.0, help="weight of the example image (default 1.0)")
    p.add_argument("--text-weight", type=_weight, default=1.0, help="weight of the words (default 1.0)")
    p.add_argument("--limit", type=int, default=20, help="number of results (default 20)")
    p.add_argument("--all", action="store_true", help="include weak matches")
    p.add_argument("--no-group", action="store_true", help="list near-duplicates separately")
    p.add_argument("--like", type=Path, action="append", default=[], metavar="FILE",
                   help="more like this indexed picture (repeatable)")
    p.add_argument("--unlike", type=Path, action="append", default=[], metavar="FILE",
                   help="less like this indexed picture (repeatable)")
    p.add_argument("--suggest", action="store_true", help='also print refined queries ("maybe: ...")')
    p.add_argument("--diverse", type=float, default=None, metavar="D",
                   help="spread the results: 0 (plain ranking) to 1 (default: the library setting, 0)")
    p.add_argument("--hubness", choices=("on", "off"), default=None,
                   help="push down pictures that match every query (default: on for word queries when the model "
                        "ships a query bank)")
    p.add_argument("--json", action="store_true", help="print a JSON array, best first")
    _add_model_args(p)
    p.set_defaults(func=cmd_search)


def _add_status(sub: Subparsers) -> None:
    p = sub.add_parser("status", help="folders, counts, errors, model, index size")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    _add_model_args(p)
    p.set_defaults(func=cmd_status)


def _add_watch(sub: Subparsers) -> None:
    p = sub.add_parser("watch", help="index, then keep indexing changes as they happen (Ctrl-C stops)")
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="folders to add first")
    _add_model_args(p)
    p.set_defaults(func=cmd_watch)


def _add_remove(sub: Subparsers) -> None:
    p = sub.add_parser("remove", help="remove a folder (and its pictures) from the library")
    p.add_argument("path", type=Path, help="a folder added with `photolens index`")
    p.set_defaults(func=cmd_remove)


def _add_doctor(sub: Subparsers) -> None:
    p = sub.add_parser("doctor", help="check the installation and say how to fix problems")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.add_argument("--cluster", metavar="ADDRESS", default=None,
                   help="also connect to this Ray cluster (`local` or ray://HOST:PORT) and report what it offers")
    p.set_defaults(func=cmd_doctor)


def _add_desktop_entry(sub: Subparsers) -> None:
    p = sub.add_parser("install-desktop-entry", help="add Photolens to your desktop's application menu (Linux)")
    p.add_argument("--uninstall", action="store_true", help="remove the menu entry again")
    p.set_defaults(func=cmd_install_desktop_entry)


def _add_models(sub: Subparsers) -> None:
    mp = sub.add_parser("models", help="list, fetch, export and verify models")
    msub = mp.add_subparsers(dest="models_command", metavar="ACTION")
    q = msub.add_parser("list", help="known models and which are installed")
    q.add_argument("--json", action="store_true", help="print the list as JSON")
    q = msub.add_parser("fetch", help="download a pre-exported model into the cache")
    q.add_argument("name", help="a known model (see `photolens models`)")
    q.add_argument("--hub-url", default=None, help=argparse.SUPPRESS)
    q = msub.add_parser("export", help="export an open_clip model to ONNX (needs the torch extra)")
    q.add_argument("name", help="an open_clip architecture, e.g. ViT-B-32")
    q.add_argument("--pretrained", help="weights tag or a local checkpoint file")
    q.add_argument("--out", type=Path, help="output folder (default: the models cache)")
    q.add_argument("--int8", action="store_true", help="quantise to int8 (faster ViTs on CPU)")
    q = msub.add_parser("use", help="switch this library to another model (searching never stops)")
    q.add_argument("name", nargs="?", help="a known, installed model (see `photolens models`)")
    q.add_argument("--model-path", type=Path, help="or an exported model folder")
    q.add_argument("--keep-old", action="store_true",
                   help="keep the current model's vectors after the switch (switch back instantly)")
    q = msub.add_parser("speed", help="measure how fast a model embeds pictures on this machine")
    q.add_argument("name", nargs="?", help="an installed model (default: ViT-B-32)")
    q.add_argument("--model-path", type=Path, help="or an exported model folder")
    q = msub.add_parser("verify", help="check an installed model folder loads and embeds")
    q.add_argument("name", nargs="?", help="an installed model (default: the library's)")
    q.add_argument("--model-path", type=Path, help="or an exported model folder")
    mp.set_defaults(func=cmd_models)


def _open(args: argparse.Namespace, read_only: bool | None = None):  # noqa: ANN202
    from .library import Library

    return Library.open(
        args.data_dir, model=getattr(args, "model", None), model_path=getattr(args, "model_path", None), read_only=read_only
    )


def cmd_index(args: argparse.Namespace) -> int:
    controls = Controls.new()

    def on_sigint(_sig: int, _frame: object) -> None:
        if controls.cancel.is_set():
            raise KeyboardInterrupt
        sys.stderr.write("\nstopping after the current batch… (Ctrl-C again to abort)\n")
        controls.stop()

    cluster = _cluster_options(args)
    with _open(args, read_only=False) as lib:
        for path in args.paths:
            lib.add_folder(path)
        _remember_model(lib, args)
        if not lib.folders():
            raise PhotolensError("No folders to index: give one, e.g. `photolens index ~/Pictures`")
        lib.embedder  # fail fast with the clear model message  # noqa: B018
        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            report = lib.index(progress=ProgressBar(sys.stderr), controls=controls, cluster=cluster)
        finally:
            signal.signal(signal.SIGINT, previous)
        summary = {
            "new": report.new, "changed": report.changed, "deleted": report.deleted, "unchanged": report.unchanged,
            "embedded": report.embedded, "reused": report.reused, "errors": report.errors,
            "analyzed": report.analyzed, "offline_folders": report.offline_folders,
            "back_online": report.back_online, "cancelled": report.cancelled, "seconds": round(report.seconds, 2),
        }
        if args.json:
            print(json.dumps(summary))
        else:
            print(
                f"{report.embedded} embedded, {report.reused} reused (moved/duplicate), {report.unchanged} unchanged, "
                f"{report.deleted} removed, {report.errors} errors in {report.seconds:.1f}s"
                + (" (stopped: run again to resume)" if report.cancelled else "")
            )
            if report.errors:
                print("see `photolens status` for the files that failed")
    return 130 if report.cancelled else 0


def _remember_model(lib: Library, args: argparse.Namespace) -> None:
    """The model given to `index` or `watch` is remembered for later searches."""
    if args.model or args.model_path:
        lib.save_settings(lib.settings.with_changes(
            model=args.model or lib.settings.model,
            model_path=str(args.model_path.resolve()) if args.model_path else None,
        ))


def _indexed_item(lib: Library, path: Path, flag: str) -> int:
    """The item id of an indexed file (for --like / --unlike)."""
    record = lib.catalog.file_by_path(str(path.expanduser().resolve()))
    item = lib.catalog.item_for_hash(record.hash, lib.model_id) if record is not None and record.hash else None
    if item is None:
        raise PhotolensError(f"{flag}: {path} is not an indexed picture (index its folder first)")
    return item


def cmd_search(args: argparse.Namespace) -> int:
    from .query.model import SearchQuery

    if args.limit < 1:
        raise PhotolensError("--limit must be at least 1")
    for flag, path in (("--image", args.image), ("--sketch", args.sketch)):
        if path is not None and not path.is_file():
            raise PhotolensError(f"{flag}: {path} is not a file")
    query = SearchQuery(
        text=args.query, image=args.image, sketch=args.sketch, sketch_weight=args.sketch_weight,
        image_weight=args.image_weight, text_weight=args.text_weight, limit=args.limit,
    )
    given = [w for w, present in ((args.text_weight, bool(args.query.strip())), (args.image_weight, args.image),
                                  (args.sketch_weight, args.sketch)) if present]
    if given and not any(given):
        raise PhotolensError("Every weight is 0: nothing would count; give at least one weight above 0")
    if args.diverse is not None and not 0.0 <= args.diverse <= 1.0:
        raise PhotolensError("--diverse must be between 0 and 1")
    with _open(args) as lib:
        lib.warm_up_in_background(textual=bool(args.query.strip()), visual=bool(args.image or args.sketch))
        likes = tuple(_indexed_item(lib, path, "--like") for path in args.like)
        unlikes = tuple(_indexed_item(lib, path, "--unlike") for path in args.unlike)
        query = replace(query, like_items=likes, unlike_items=unlikes, suggest=args.suggest)
        if query.is_empty:
            raise PhotolensError("Nothing to search for: give words, --image, --sketch or --like")
        prefs = lib.settings.search_preferences()
        prefs = replace(prefs, collapse_duplicates=prefs.collapse_duplicates and not args.no_group,
                        diversity=prefs.diversity if args.diverse is None else args.diverse,
                        hubness=prefs.hubness if args.hubness is None else args.hubness == "on")
        results = lib.search(prefs.apply(query))
    hits = [h for h in results.hits if args.all or not h.weak] or list(results.hits[:3])
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
        return 0
    if results.chips:
        print("understood: " + " | ".join(f"{c.kind} {c.label} ({c.detail})" for c in results.chips)
              + (f" | look for: {results.clip_text}" if results.clip_text else ""), file=sys.stderr)
    if not results.hits:
        print("no results (is anything indexed? see `photolens status`)", file=sys.stderr)
        return 0
    if results.no_good_match:
        print("no good match; the closest pictures:", file=sys.stderr)
    if results.suggestions:
        print("maybe: " + " | ".join(sg.query for sg in results.suggestions), file=sys.stderr)
    for h in hits:
        extra = f"  (+{len(h.near_duplicates)} similar)" if h.near_duplicates else ""
        if h.frame_ms is not None:
            extra = f"  @ {h.frame_ms / 1000:.1f} s" + extra
        if h.people:
            extra += f"  [{', '.join(h.people)}]"
        if h.place:
            extra += f"  ({h.place})"
        print(f"{h.score:.4f}  {h.path}" + extra + ("  (weak)" if h.weak else ""))
        if h.text:
            print(f"        text: {_snippet(h.text)}")
    hidden = len(results.hits) - len(hits)
    if hidden > 0 and not args.all:
        print(f"({hidden} weaker matches hidden; --all shows them)", file=sys.stderr)
    return 0


def _snippet(text: str, width: int = 72) -> str:
    """A picture's text on one line, shortened: 'WiFi password / sunflower42'."""
    line = " / ".join(part.strip() for part in text.splitlines() if part.strip())
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def switch_time_left(sw: SwitchStatus) -> str:
    """The time a switch has left, and whether anything is re-embedding now."""
    eta = sw.eta_s
    if sw.running and eta is not None:
        return f"ETA {_minutes(eta)} at {sw.rate:.1f} img/s (re-embedding now)"
    later = "it goes on when the app, `photolens index` or `photolens watch` runs"
    if eta is None:
        return f"not re-embedding now: {later}"
    return f"not re-embedding now: {later}, about {_minutes(eta)} at {sw.rate:.1f} img/s (measured here)"


def cmd_status(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        st = lib.status()
    if args.json:
        print(json.dumps(st.to_json(), ensure_ascii=False))
        return 0
    print(f"library: {st.data_dir}" + (" (read-only)" if st.read_only else ""))
    print(f"model:   {st.model}" + (f" at {st.model_path}" if st.model_installed else " (not installed)"))
    print(f"folders: {len(st.folders)}")
    for f in st.folders:
        print(f"  {f.path}" + ("" if f.online else "  (offline)"))
    print(f"indexed: {st.indexed}   pending: {st.pending}   errors: {st.error_count}   vectors: {st.vectors}")
    print(f"size:    catalog {st.catalog_bytes / 1e6:.1f} MB, vector index {st.index_bytes / 1e6:.1f} MB")
    print(f"text:    {st.text_pictures} pictures show text" if st.ocr else "text:    not read (ocr = false)")
    for path, reason in st.errors[:20]:
        print(f"  error: {path}: {reason}")
    if st.error_count > 20:
        print(f"  … and {st.error_count - 20} more (--json lists them all)")
    print(f"people:  {st.people} ({st.faces} faces; `photolens people` lists them)")
    print(f"places:  {st.placed} pictures with a place (`photolens places` lists them)")
    if st.switch is not None:
        sw = st.switch
        print(f"switch:  {sw.done} of {sw.total} files embedded by {sw.current} ({sw.fraction:.0%}); "
              f"{sw.previous} finds the rest until then")
        print(f"         {switch_time_left(sw)}")
    if len(st.models) > 1:
        print("models:  " + ", ".join(f"{m.model_id} {m.bytes / 1e6:.1f} MB" for m in st.models))
    for path, analyzer, reason in st.analysis_errors[:10]:
        print(f"  {analyzer} failed on {path}: {reason} (the picture is searchable)")
    if st.analysis_error_count > 10:
        print(f"  … and {st.analysis_error_count - 10} more analysis failures (--json lists them)")
    for note in st.notes:
        print(f"note: {note}")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    controls = Controls.new()
    signal.signal(signal.SIGINT, lambda *_: controls.stop())
    signal.signal(signal.SIGTERM, lambda *_: controls.stop())

    def on_update(report: object) -> None:
        r = report  # IndexReport
        changes = r.embedded + r.reused + r.deleted + r.errors  # type: ignore[attr-defined]
        if changes:
            print(
                f"{time.strftime('%H:%M:%S')} {r.embedded} embedded, {r.reused} reused, "  # type: ignore[attr-defined]
                f"{r.deleted} removed, {r.errors} errors", flush=True,  # type: ignore[attr-defined]
            )

    with _open(args, read_only=False) as lib:
        for path in args.paths:
            lib.add_folder(path)
        _remember_model(lib, args)
        if not lib.folders():
            raise PhotolensError("No folders to watch: give one, e.g. `photolens watch ~/Pictures`")
        lib.embedder  # fail fast with the clear model message  # noqa: B018
        print(f"watching {len(lib.folders())} folder(s); Ctrl-C stops", file=sys.stderr, flush=True)
        lib.watch(controls, ProgressBar(sys.stderr), on_update)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .config import load_settings
    from .doctor import Check, run_checks

    data_dir = args.data_dir or default_data_dir()
    notes: list[str] = []
    settings = load_settings(data_dir, notes, repair=False) if data_dir.exists() else None
    checks = run_checks(settings.model if settings else "ViT-B-32", data_dir, settings.model_path if settings else None,
                        cluster=args.cluster)
    checks += [Check("settings", "warn", note, "the app moves a broken file aside when it opens the library")
               for note in notes]
    if args.json:
        print(json.dumps([c.__dict__ for c in checks]))
    else:
        for c in checks:
            print(f"{c.status.upper():>4}  {c.name:<12} {c.detail}")
            if c.fix:
                print(f"      {'':<12} -> {c.fix}")
    return 1 if any(c.status == "fail" for c in checks) else 0


def cmd_install_desktop_entry(args: argparse.Namespace) -> int:
    from .integration import install_desktop_entry, uninstall_desktop_entry

    if args.uninstall:
        for p in uninstall_desktop_entry():
            print(f"removed {p}")
        return 0
    entry = install_desktop_entry()
    print(f"installed {entry.desktop_file}\nPhotolens is now in your application menu.")
    return 0


def _add_repair(sub: Subparsers) -> None:
    p = sub.add_parser("repair", help="restore a damaged catalog from its latest backup, then rescan")
    _add_model_args(p)
    p.set_defaults(func=cmd_repair)


def cmd_repair(args: argparse.Namespace) -> int:
    from . import backup
    from .library import CATALOG_FILE, LOCK_FILE
    from .lock import WriterLock

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    lock = WriterLock(data_dir / LOCK_FILE)
    if not lock.acquire():
        raise PhotolensError(f"Another Photolens process is using {data_dir}: close it, then repair")
    try:
        report = backup.repair(data_dir / CATALOG_FILE, data_dir)
    finally:
        lock.release()
    if report.damaged:
        print(f"the damaged catalog is kept as {report.damaged}")
    print(f"restored the backup {report.restored.name}" if report.restored else
          "no usable backup: a new catalog, filled with what the damaged one still reads")
    kept = ", ".join(f"{n} {t}" for t, n in report.salvaged.items() if n)
    print(f"taken back from the damaged catalog: {kept or 'nothing readable that was missing'}")
    with _open(args, read_only=False) as lib:
        if not lib.folders():
            print("no folders known: add them again with `photolens index FOLDER`")
            return 0
        result = lib.index(progress=ProgressBar(sys.stderr))
    print(f"rescanned: {result.embedded} embedded, {result.reused} reused, {result.unchanged} unchanged, "
          f"{result.errors} errors")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with _open(args, read_only=False) as lib:
        lib.remove_folder(args.path)
    print(f"removed {args.path}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from .embed import registry

    models_dir = default_models_dir()
    action = args.models_command or "list"
    if action == "list":
        from .model_speed import installed_speed

        rows = []
        for m in registry.KNOWN_MODELS:
            speed = installed_speed(models_dir, m.name)
            rows.append({"name": m.name, "pretrained": m.pretrained, "installed": registry.is_installed(models_dir, m.name),
                         "description": m.description, "img_s": speed.img_s if speed else None,
                         "speed_how": speed.how if speed else None})
        if getattr(args, "json", False):
            print(json.dumps(rows))
        else:
            print(f"models folder: {models_dir}")
            for r in rows:
                here = f"  {r['img_s']:.1f} img/s here ({r['speed_how']})" if r["img_s"] else ""
                print(f"  {'*' if r['installed'] else ' '} {r['name']:<28} {r['pretrained']:<20} {r['description']}"
                      + here)
            print("(* installed)  get one: photolens models fetch NAME   or   photolens models export NAME")
        return 0
    if action == "fetch":
        bar = _DownloadBar(sys.stderr)
        folder = registry.fetch(models_dir, args.name, hub_url=args.hub_url, progress=bar)
        print(f"installed {args.name} in {folder.path}")
        return 0
    if action == "export":
        from .embed.export import export_pretrained

        spec = registry.known(args.name)
        pretrained = args.pretrained or (spec.pretrained if spec else None)
        out = args.out or registry.model_dir(models_dir, args.name)
        rep = export_pretrained(args.name, out, pretrained=pretrained, quantize=args.int8)
        print(f"exported {args.name} ({pretrained}) to {rep.path}")
        print(f"parity with torch: visual max|diff| {rep.visual_max_abs_diff:.2e}, textual max|diff| {rep.textual_max_abs_diff:.2e}")
        return 0
    if action == "use":
        return _use_model(args)
    if action == "speed":
        from .embed.model_files import ModelFolder
        from .model_speed import measure_folder

        folder = ModelFolder.load(args.model_path) if args.model_path else registry.resolve(models_dir, args.name or "ViT-B-32")
        img_s, _ = measure_folder(models_dir, folder)
        print(f"{folder.config.model_id}: {img_s:.1f} img/s, image model alone on this machine "
              f"(indexing end to end is slower: decoding takes its share)")
        return 0
    if action == "verify":
        from .embed.model_files import ModelFolder
        from .embed.onnx_backend import OnnxEmbedder

        folder = ModelFolder.load(args.model_path) if args.model_path else registry.resolve(models_dir, args.name or "ViT-B-32")
        emb = OnnxEmbedder(folder)
        from PIL import Image

        v = emb.embed_images([Image.new("RGB", (300, 200), (200, 30, 30))])
        t = emb.embed_texts(["a red picture"])
        print(f"ok: {folder.config.model_id}, dim {emb.dim}, image·text cosine {float(v[0] @ t[0]):.4f}")
        for name, digest in folder.checksums().items():
            print(f"  sha256 {digest}  {name}")
        return 0
    raise PhotolensError(f"unknown models action {action!r}")


def _use_model(args: argparse.Namespace) -> int:
    from .library import Library

    if not args.name and not args.model_path:
        raise PhotolensError("Say which model: `photolens models use NAME` or `--model-path DIR`")
    with Library.open(args.data_dir or default_data_dir(), read_only=False) as lib:
        settings = lib.use_model(args.name, args.model_path, keep_previous=args.keep_old)
        print(f"model in use: {settings.model_path or settings.model}")
        switch = lib.switch_status()
        if switch is not None and not switch.complete:
            print(f"{switch.total - switch.done} of {switch.total} files are embedded again by `photolens index` "
                  f"(or the app, or `photolens watch`) in the background; until then {switch.previous} "
                  "finds the rest, so every picture stays findable.")
        for use in lib.models_disk_use():
            print(f"  {use.model_id}: {use.vectors} vectors, {use.bytes / 1e6:.1f} MB")
    return 0


class _DownloadBar:
    def __init__(self, stream: TextIO):
        self.stream = stream
        self._last = 0.0

    def __call__(self, name: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self._last < 0.25 and (total is None or done < total):
            return
        self._last = now
        pct = f" {100 * done / total:5.1f}%" if total else ""
        self.stream.write(f"\r\x1b[2K{name}: {done / 1e6:.1f} MB{pct}")
        if total and done >= total:
            self.stream.write("\n")
        self.stream.flush()




def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not args.command:
        parser.print_help()
        return 0
    try:
        return int(args.func(args))
    except PhotolensError as exc:
        if args.debug:
            raise
        print(f"photolens: error: {exc}", file=sys.stderr)
        return 2
    except sqlite3.DatabaseError as exc:  # damage found while reading, after the catalog opened
        if args.debug:
            raise
        if "full" in str(exc).lower():  # SQLITE_FULL is not damage: repair would not help
            print(f"photolens: error: the disk holding the library is full ({exc}): free some space and run the "
                  "command again; nothing already saved is lost", file=sys.stderr)
            return 2
        print(f"photolens: error: the catalog is damaged ({exc}): `photolens repair` restores its latest "
              "backup, keeps what can still be read, and rescans your folders", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: one line, the traceback with --debug
        if args.debug:
            raise
        print(f"photolens: unexpected error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
