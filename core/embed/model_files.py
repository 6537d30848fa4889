"""The model folder format: visual.onnx, textual.onnx, tokenizer.json, config.json."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import ModelFormatError

CONFIG_FILE = "config.json"
VISUAL_FILE = "visual.onnx"
TEXTUAL_FILE = "textual.onnx"
TOKENIZER_FILE = "tokenizer.json"
QUERY_BANK_FILE = "query_bank.txt"  # optional: typical queries, one per line (hubness correction)
FORMAT_VERSION = 1

OPENAI_MEAN = (0.48145466, 0.4578275, 0.40821073)
OPENAI_STD = (0.26862954, 0.26130258, 0.27577711)


@dataclass(frozen=True)
class ModelConfig:
    """What the runtime needs to know about an exported model (config.json)."""

    name: str
    dim: int
    image_size: int
    context_length: int
    pretrained: str | None = None
    mean: tuple[float, float, float] = OPENAI_MEAN
    std: tuple[float, float, float] = OPENAI_STD
    interpolation: str = "bicubic"
    resize_mode: str = "shortest"
    sot_token_id: int = 49406
    eot_token_id: int = 49407
    pad_token_id: int = 0
    text_clean: str = "lower"
    visual_quantized: bool = False
    textual_quantized: bool = False
    logit_scale: float = 100.0
    format: int = FORMAT_VERSION
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        """Stable id under which vectors are stored: name + weights."""
        tag = self.pretrained or "custom"
        return f"{self.name}/{tag}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> ModelConfig:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in raw.items() if k in known}
        for key in ("mean", "std"):
            if key in values:
                values[key] = tuple(values[key])  # type: ignore[arg-type]
        try:
            return cls(**values)  # type: ignore[arg-type]
        except TypeError as exc:
            raise ModelFormatError(f"config.json is missing fields: {exc}") from exc


@dataclass(frozen=True)
class ModelFolder:
    """A model on disk, checked for completeness."""

    path: Path
    config: ModelConfig

    @property
    def visual(self) -> Path:
        return self.path / VISUAL_FILE

    @property
    def textual(self) -> Path:
        return self.path / TEXTUAL_FILE

    @property
    def tokenizer(self) -> Path:
        return self.path / TOKENIZER_FILE

    @classmethod
    def load(cls, path: Path) -> ModelFolder:
        path = Path(path).expanduser()
        if not path.is_dir():
            raise ModelFormatError(f"Model folder {path} does not exist")
        missing = [
            n for n in (CONFIG_FILE, VISUAL_FILE, TEXTUAL_FILE, TOKENIZER_FILE) if not (path / n).is_file()
        ]
        if missing:
            raise ModelFormatError(
                f"Model folder {path} is incomplete: missing {', '.join(missing)}. "
                "Re-fetch or re-export the model."
            )
        try:
            raw = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"Cannot read {path / CONFIG_FILE}: {exc}") from exc
        config = ModelConfig.from_dict(raw)
        if config.format > FORMAT_VERSION:
            raise ModelFormatError(
                f"Model folder {path} uses format {config.format}; this Photolens reads up to "
                f"{FORMAT_VERSION}. Upgrade Photolens."
            )
        return cls(path=path, config=config)

    def checksums(self) -> dict[str, str]:
        """sha256 of every file of the model (used by `models verify`)."""
        out = {}
        for name in (CONFIG_FILE, VISUAL_FILE, TEXTUAL_FILE, TOKENIZER_FILE):
            digest = hashlib.sha256()
            with open(self.path / name, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            out[name] = digest.hexdigest()
        return out


def write_config(path: Path, config: ModelConfig) -> None:
    """Write config.json atomically."""
    tmp = path / (CONFIG_FILE + ".tmp")
    tmp.write_text(config.to_json() + "\n", encoding="utf-8")
    os.replace(tmp, path / CONFIG_FILE)
