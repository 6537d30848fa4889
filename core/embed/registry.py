"""Known models, where they live on disk, and how to get them.

A model is a folder (see model_files). `resolve` finds an installed one or raises a
ModelNotFoundError that says how to get it; `fetch` downloads a pre-exported ONNX pack
(Immich's layout on the Hugging Face Hub, through huggingface_hub: see download.py) into a
`.NAME.download` staging folder, converts it to our layout and moves it into place.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import DownloadError, ModelFormatError, ModelNotFoundError
from .download import DownloadProgress, HubFile, download
from .model_files import (
    TEXTUAL_FILE,
    TOKENIZER_FILE,
    VISUAL_FILE,
    ModelConfig,
    ModelFolder,
    write_config,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnownModel:
    name: str
    pretrained: str
    hub_repo: str
    description: str
    quantize: bool  # int8 helps ViTs on CPU; conv models get slower
    revision: str = "main"
    download_mb: int = 0  # about: the fp32 towers' parameters x 4 bytes (the hub's packs are that size)
    languages: str = "English"
    sha256: tuple[tuple[str, str], ...] = ()  # pinned (file in the repo, sha256); else the hub's ETag

    def pinned(self, filename: str) -> str | None:
        return dict(self.sha256).get(filename)


KNOWN_MODELS: tuple[KnownModel, ...] = (
    KnownModel("ViT-B-32", "laion2b_s34b_b79k", "immich-app/ViT-B-32__laion2b_s34b_b79k",
               "default: good quality at low cost (512-d)", True, download_mb=605),
    KnownModel("MobileCLIP2-S0", "dfndr2b", "immich-app/MobileCLIP2-S0__dfndr2b",
               "small and fast on CPU (512-d)", False, download_mb=300),
    KnownModel("ViT-B-16-SigLIP2", "webli", "immich-app/ViT-B-16-SigLIP2__webli",
               "stronger, for GPUs (768-d)", False, download_mb=1500),
    KnownModel("xlm-roberta-base-ViT-B-32", "laion5b_s13b_b90k", "immich-app/XLM-Roberta-Base-ViT-B-32__laion5b_s13b_b90k",
               "multilingual queries (512-d)", True, download_mb=1470,
               languages="about 100 (XLM-RoBERTa's)"),
)


def known(name: str) -> KnownModel | None:
    return next((m for m in KNOWN_MODELS if m.name.lower() == name.lower()), None)


def model_dir(models_dir: Path, name: str) -> Path:
    return Path(models_dir) / name


def is_installed(models_dir: Path, name: str) -> bool:
    try:
        ModelFolder.load(model_dir(models_dir, name))
    except ModelFormatError:
        return False
    return True


def resolve(models_dir: Path, name: str, model_path: Path | None = None) -> ModelFolder:
    """The model folder to use: --model-path if given, else the installed `name`."""
    if model_path is not None:
        return ModelFolder.load(Path(model_path))
    folder = model_dir(models_dir, name)
    if not folder.exists():
        raise ModelNotFoundError(missing_message(name, folder))
    return ModelFolder.load(folder)


def missing_message(name: str, folder: Path) -> str:
    return (
        f"Model {name!r} is not installed (looked in {folder}). Get it with "
        f"`photolens models fetch {name}` (needs internet), or `photolens models export {name}` "
        "(needs pip install 'photolens[torch]' and the weights), or pass --model-path DIR "
        "pointing to an exported model folder."
    )


_IMMICH_FILES = (
    "config.json",
    "visual/model.onnx",
    "visual/preprocess_cfg.json",
    "textual/model.onnx",
    "textual/tokenizer.json",
)


def fetch(models_dir: Path, name: str, *, hub_url: str | None = None,
          progress: DownloadProgress | None = None) -> ModelFolder:
    """Download a known model's ONNX pack (resumable) and install it in our layout.

    hub_url: the hub endpoint (default: huggingface_hub's, i.e. $HF_ENDPOINT or huggingface.co).
    """
    spec = known(name)
    if spec is None:
        names = ", ".join(m.name for m in KNOWN_MODELS)
        raise ModelNotFoundError(f"Unknown model {name!r}. Known models: {names}")
    target = model_dir(models_dir, spec.name)
    staging = Path(models_dir) / f".{spec.name}.download"
    for rel in _IMMICH_FILES:
        dest = staging / rel
        if not dest.exists():  # done in an earlier, interrupted run
            download(HubFile(spec.hub_repo, rel, dest, spec.revision, spec.pinned(rel)), endpoint=hub_url, progress=progress)
    try:
        config = convert_immich_pack(staging, spec.name, spec.pretrained)
    except (KeyError, ValueError, OSError) as exc:
        raise DownloadError(f"The downloaded pack for {name} is not in the expected layout: {exc}") from exc
    work = Path(models_dir) / f".{spec.name}.install"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.move(str(staging / "visual" / "model.onnx"), work / VISUAL_FILE)
    shutil.move(str(staging / "textual" / "model.onnx"), work / TEXTUAL_FILE)
    shutil.move(str(staging / "textual" / "tokenizer.json"), work / TOKENIZER_FILE)
    write_config(work, config)
    old = Path(models_dir) / f".{spec.name}.old"  # a model fetched before: swapped out, then removed
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)
    return ModelFolder.load(target)


def convert_immich_pack(pack: Path, name: str, pretrained: str) -> ModelConfig:
    """Our config.json from an Immich pack's open_clip config, preprocess cfg and tokenizer."""
    oc = json.loads((pack / "config.json").read_text(encoding="utf-8"))
    pp = json.loads((pack / "visual" / "preprocess_cfg.json").read_text(encoding="utf-8"))
    tok = json.loads((pack / "textual" / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tok["model"]["vocab"]
    added = {t["content"]: t["id"] for t in tok.get("added_tokens", [])}

    def token_id(*names: str) -> int:
        for n in names:
            if n in added:
                return int(added[n])
            if isinstance(vocab, dict) and n in vocab:
                return int(vocab[n])
        raise KeyError(f"tokenizer has none of {names}")

    def pad_id() -> int:
        padding = tok.get("padding")
        if padding and "pad_id" in padding:
            return int(padding["pad_id"])
        try:  # XLM-RoBERTa's <pad> (id 1); CLIP has none and open_clip pads with 0
            return token_id("<pad>")
        except KeyError:
            return 0

    text_cfg = oc.get("text_cfg", {})
    # open_clip's get_tokenizer: an HF text tower gets HFTokenizer ("whitespace" cleaning),
    # CLIP's BPE gets SimpleTokenizer ("lower"); tokenizer_kwargs may override either.
    default_clean = "whitespace" if "hf_tokenizer_name" in text_cfg else "lower"
    text_clean = str(text_cfg.get("tokenizer_kwargs", {}).get("clean", default_clean))
    size = pp.get("size", 224)
    return ModelConfig(
        name=name,
        pretrained=pretrained,
        dim=int(oc["embed_dim"]),
        image_size=int(size[0] if isinstance(size, list) else size),
        context_length=int(oc.get("text_cfg", {}).get("context_length", 77)),
        mean=tuple(pp.get("mean", (0.48145466, 0.4578275, 0.40821073))),  # type: ignore[arg-type]
        std=tuple(pp.get("std", (0.26862954, 0.26130258, 0.27577711))),  # type: ignore[arg-type]
        interpolation=str(pp.get("interpolation", "bicubic")),
        resize_mode=str(pp.get("resize_mode", "shortest")),
        sot_token_id=token_id("<|startoftext|>", "<start_of_text>", "<s>"),
        eot_token_id=token_id("<|endoftext|>", "<end_of_text>", "</s>"),
        pad_token_id=pad_id(),
        text_clean=text_clean,
    )
