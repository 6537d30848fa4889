"""Settings: where data lives and which model is used, stored as TOML in the data dir."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import platformdirs
import tomllib

from .errors import PhotolensError

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
    extra: dict[str, str] = field(default_factory=dict)

    def with_changes(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]


def load_settings(data_dir: Path) -> Settings:
    """Read settings.toml; missing file means defaults; a broken file is a clear error."""
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PhotolensError(f"Cannot read settings file {path}: {exc}") from exc
    known = {f for f in Settings.__dataclass_fields__}
    values = {k: v for k, v in raw.items() if k in known}
    if "exclude_patterns" in values:
        values["exclude_patterns"] = tuple(values["exclude_patterns"])
    unknown = set(raw) - known
    if unknown:
        log.warning("Ignoring unknown settings in %s: %s", path, ", ".join(sorted(unknown)))
    return Settings(**values)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"unsupported TOML value {value!r}")


def save_settings(data_dir: Path, settings: Settings) -> None:
    """Write settings.toml atomically (temp file + rename)."""
    lines = []
    tables = []
    for key, value in asdict(settings).items():
        if value is None:
            continue
        if isinstance(value, dict):
            if value:
                tables.append(f"\n[{key}]")
                tables.extend(f"{k} = {_toml_value(v)}" for k, v in value.items())
            continue
        lines.append(f"{key} = {_toml_value(value)}")
    path = data_dir / SETTINGS_FILE
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines + tables) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def ensure_private_dir(path: Path) -> Path:
    """Create a directory readable only by the user (0700 on POSIX)."""
    path.mkdir(parents=True, exist_ok=True)
    if sys.platform != "win32":
        try:
            path.chmod(0o700)
        except OSError as exc:  # pragma: no cover - e.g. a folder owned by someone else
            log.warning("Could not make %s private: %s", path, exc)
    return path
