"""Settings: where data lives and which model is used, stored as TOML in the data dir."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
import tomli_w

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import PhotolensError

if TYPE_CHECKING:
    from .query.model import SearchQuery

log = logging.getLogger(__name__)

APP_NAME = "photolens"
ENV_DATA_DIR = "PHOTOLENS_DATA_DIR"
ENV_MODELS_DIR = "PHOTOLENS_MODELS_DIR"
SETTINGS_FILE = "settings.toml"
DEFAULT_MODEL = "ViT-B-32"


def default_data_dir() -> Path:
    """The data dir: $PHOTOLENS_DATA_DIR, else the platform's user data dir."""
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_models_dir() -> Path:
    """Where fetched and exported models live: $PHOTOLENS_MODELS_DIR, else the user cache."""
    env = os.environ.get(ENV_MODELS_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "models"


@dataclass(frozen=True)
class SearchPreferences:
    """The library's ranking preferences; `apply` is the one place they enter a query."""

    collapse_duplicates: bool = True
    diversity: float = 0.0
    hubness: bool | None = None  # None = the measured default (core/query/search.py)

    def apply(self, query: SearchQuery) -> SearchQuery:
        return replace(query, collapse_duplicates=self.collapse_duplicates, diversity=self.diversity,
                       hubness=self.hubness)


@dataclass(frozen=True)
class Settings:
    """User settings, persisted as TOML in the data dir."""

    model: str = DEFAULT_MODEL
    model_path: str | None = None
    exclude_patterns: tuple[str, ...] = ()
    decode_workers: int = 0  # 0 = choose from the number of cores
    batch_size: int = 8  # same rate as 16 or 32 on 2 cores, earliest first commit, least memory (bench)
    low_priority: bool = True
    backend: str = "onnx"  # "onnx" (default, no torch) or "torch" (needs the torch extra; GPU)
    device: str = "auto"  # "auto", "cpu", "cuda", "mps"
    collapse_duplicates: bool = True  # near-identical pictures (bursts, edits) show as one result
    diversity: float = 0.0  # 0 = plain ranking; ~0.3 spreads the first screen (MMR)
    hubness: bool | None = None  # None = the measured default (core/query/search.py)
    faces: bool = True  # find faces and group them into people (core/faces), after the CLIP pass
    ocr: bool = True  # read the text in pictures (core/ocr) so words in them can be searched
    # a model switch in progress: the model whose vectors serve what the new one has not
    # embedded yet (core/switch.py); kept after the switch when keep_previous_model is set
    previous_model: str | None = None
    previous_model_path: str | None = None
    keep_previous_model: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def search_preferences(self) -> SearchPreferences:
        return SearchPreferences(self.collapse_duplicates, self.diversity, self.hubness)


ANALYZERS_ENV = "PHOTOLENS_ANALYZERS"
BUILTIN_ANALYZERS = ("faces", "ocr")


def default_settings() -> Settings:
    """The defaults, where PHOTOLENS_ANALYZERS (a comma list of faces, ocr; empty: none)
    says which built-in analyzers run when settings.toml does not say (e.g. a slow machine,
    or a test run; settings.toml's own `faces` / `ocr` always win)."""
    chosen = os.environ.get(ANALYZERS_ENV)
    if chosen is None:
        return Settings()
    wanted = {part.strip().lower() for part in chosen.split(",") if part.strip()}
    unknown = wanted - set(BUILTIN_ANALYZERS)
    if unknown:
        log.warning("%s: unknown analyzers %s ignored (known: %s)", ANALYZERS_ENV, sorted(unknown),
                    ", ".join(BUILTIN_ANALYZERS))
    return Settings(faces="faces" in wanted, ocr="ocr" in wanted)


def load_settings(data_dir: Path, notes: list[str] | None = None, *, repair: bool = True) -> Settings:
    """Read settings.toml; a missing file means defaults.

    A file that does not parse is moved aside (kept, as settings.toml.broken-<time>) when
    `repair` is true, and defaults are used; a value of the wrong type is ignored. Each is
    logged and appended to `notes`, which the CLI prints and the app shows.
    """
    path = data_dir / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return default_settings()
    except UnicodeDecodeError as exc:
        return _broken_file(path, f"it is not UTF-8 text ({exc.reason})", notes, repair)
    except OSError as exc:
        raise PhotolensError(f"Cannot read settings file {path}: {exc.strerror or exc}") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _broken_file(path, str(exc), notes, repair)
    values: dict[str, Any] = {}
    problems = []
    for key, value in raw.items():
        if key not in _VALIDATORS:
            problems.append(f"unknown setting {key!r} ignored")
            continue
        ok, converted = _VALIDATORS[key](value)
        if ok:
            values[key] = converted
        else:
            problems.append(f"{key} = {value!r} is not valid, the default is used")
    if problems:
        _note(notes, f"Settings file {path}: " + "; ".join(problems) + ".")
    return replace(default_settings(), **values)


def _note(notes: list[str] | None, message: str) -> None:
    log.warning("%s", message)
    if notes is not None:
        notes.append(message)


def _broken_file(path: Path, reason: str, notes: list[str] | None, repair: bool) -> Settings:
    if not repair:
        _note(notes, f"Settings file {path} cannot be read ({reason}); defaults are used.")
        return default_settings()
    aside = path.with_name(f"{path.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        os.replace(path, aside)
    except OSError as exc:
        _note(notes, f"Settings file {path} cannot be read ({reason}) nor moved aside ({exc.strerror}); "
                     "defaults are used.")
        return default_settings()
    _note(notes, f"Settings file {path} could not be read ({reason}). It was kept as {aside.name} "
                 "and the default settings are used.")
    return default_settings()


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _check(pred: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Callable[[Any], tuple[bool, Any]]:
    def validate(value: Any) -> tuple[bool, Any]:
        return (True, convert(value)) if pred(value) else (False, None)
    return validate


_VALIDATORS: dict[str, Callable[[Any], tuple[bool, Any]]] = {
    "model": _check(lambda v: isinstance(v, str) and bool(v.strip())),
    "model_path": _check(lambda v: isinstance(v, str) and bool(v)),
    "exclude_patterns": _check(lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), tuple),
    "decode_workers": _check(lambda v: _is_int(v) and 0 <= v <= 256),
    "batch_size": _check(lambda v: _is_int(v) and 1 <= v <= 4096),
    "low_priority": _check(lambda v: isinstance(v, bool)),
    "backend": _check(lambda v: v in ("onnx", "torch")),
    "device": _check(lambda v: isinstance(v, str) and bool(v)),
    "collapse_duplicates": _check(lambda v: isinstance(v, bool)),
    "diversity": _check(lambda v: (_is_int(v) or isinstance(v, float)) and 0.0 <= v <= 1.0, float),
    "hubness": _check(lambda v: isinstance(v, bool)),
    "faces": _check(lambda v: isinstance(v, bool)),
    "ocr": _check(lambda v: isinstance(v, bool)),
    "previous_model": _check(lambda v: isinstance(v, str) and bool(v.strip())),
    "previous_model_path": _check(lambda v: isinstance(v, str) and bool(v)),
    "keep_previous_model": _check(lambda v: isinstance(v, bool)),
    "extra": _check(lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()), dict),
}
assert set(_VALIDATORS) == set(Settings.__dataclass_fields__), "every setting needs a validator"


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write settings.toml atomically (temp file, fsync, rename) with a TOML library."""
    values = {k: (list(v) if isinstance(v, tuple) else v)
              for k, v in asdict(settings).items() if v is not None and v != {}}
    path = data_dir / SETTINGS_FILE
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(tomli_w.dumps(values))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by the user (0700 on POSIX). A folder that exists
    already keeps its mode: it is the user's (a shared /tmp must stay 1777)."""
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:  # made meanwhile by another process
        return path
    if sys.platform != "win32":
        try:
            path.chmod(0o700)  # mkdir's mode is filtered by the umask; 0700 is what we want
        except OSError as exc:  # pragma: no cover - e.g. a folder owned by someone else
            log.warning("Could not make %s private: %s", path, exc)
    return path
