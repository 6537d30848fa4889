"""Export open_clip models to the model folder format (needs the torch extra).

The image and text towers are exported separately with a dynamic batch axis
(`torch.onnx.export(..., dynamo=False, opset_version=17)`), the tokenizer is written as a
tokenizer.json that reproduces open_clip's ids, and the export is verified against torch.
torch and open_clip are imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError
from .model_files import (
    OPENAI_MEAN,
    OPENAI_STD,
    QUERY_BANK_FILE,
    TEXTUAL_FILE,
    TOKENIZER_FILE,
    VISUAL_FILE,
    ModelConfig,
    ModelFolder,
    write_config,
)
from .tokenizer import write_tokenizer_json

log = logging.getLogger(__name__)

OPSET = 17
# fp32 graphs agree with torch to ~3e-6; int8 graphs are checked by cosine instead.
FP32_TOLERANCE = 1e-4
INT8_MIN_COSINE = 0.95
VERIFY_TEXTS = (
    "a photo of a dog",
    "grandma's birthday cake, candles",
    "a red circle on the left",
    "Ünïcödé and emoji 😀 in a caption",
    "x " * 100,
)


@dataclass(frozen=True)
class ExportReport:
    """What an export produced and how closely it matches torch."""

    path: Path
    config: ModelConfig
    visual_max_abs_diff: float
    textual_max_abs_diff: float
    visual_min_cosine: float
    textual_min_cosine: float
    verified: bool


def _import_torch() -> tuple[Any, Any]:
    try:
        import open_clip
        import torch
    except ImportError as exc:
        raise ExportError(
            "Exporting models needs the torch extra: pip install 'photolens[torch]'"
        ) from exc
    return torch, open_clip


def _quantize(src: Path, dst: Path, op_types: list[str]) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, op_types_to_quantize=op_types)


@dataclass(frozen=True)
class _TokenizerOut:
    """What the config says of an exported tokenizer (ids, cleaning)."""

    sot: int
    eot: int
    pad: int
    clean: str


_CLEAN_PROBE = "  Tom's_Dog,  JERRY! "  # the three open_clip cleanings give three strings


def _tokenizer_info(open_clip: Any, tokenizer_name: str, tok: Any = None) -> Any:
    """open_clip's tokenizer of `tokenizer_name` (or `tok` itself): CLIP's BPE
    (SimpleTokenizer) or a Hugging Face one (HFTokenizer: XLM-RoBERTa and the like)."""
    try:
        tok = tok if tok is not None else open_clip.get_tokenizer(tokenizer_name)
    except Exception as exc:  # an HF tokenizer that is not in the local cache, offline
        raise ExportError(f"Could not load the tokenizer of {tokenizer_name}: {exc}") from exc
    if isinstance(tok, open_clip.tokenizer.HFTokenizer):
        if getattr(tok, "strip_sep_token", False) or getattr(tok, "tokenizer_mode", ""):
            raise ExportError(f"The tokenizer of {tokenizer_name} strips separators or has a special mode; "
                              "only plain Hugging Face tokenizers are exported.")
        return tok
    if not isinstance(tok, open_clip.tokenizer.SimpleTokenizer):
        raise ExportError(
            f"Tokenizer of {tokenizer_name} is {type(tok).__name__}; only CLIP BPE and Hugging Face "
            "tokenizers are exported (use a pre-exported pack from `photolens models fetch`)."
        )
    return tok


def _write_tokenizer(open_clip: Any, tok: Any, path: Path) -> _TokenizerOut:
    """The tokenizer as tokenizer.json, and the ids and cleaning our tokenizer needs to give
    open_clip's ids (tests/core/test_tokenizer_multilingual.py)."""
    if isinstance(tok, open_clip.tokenizer.HFTokenizer):
        hf = tok.tokenizer
        path.write_text(hf.backend_tokenizer.to_str(), encoding="utf-8")
        clean = next((mode for mode in ("whitespace", "lower", "canonicalize")
                      if open_clip.tokenizer.get_clean_fn(mode)(_CLEAN_PROBE) == tok.clean_fn(_CLEAN_PROBE)), None)
        sot = hf.cls_token_id if hf.cls_token_id is not None else hf.bos_token_id
        eot = hf.sep_token_id if hf.sep_token_id is not None else hf.eos_token_id
        if clean is None or sot is None or eot is None:
            raise ExportError("The Hugging Face tokenizer has no start/end tokens or an unknown text cleaning")
        return _TokenizerOut(int(sot), int(eot), int(hf.pad_token_id or 0), clean)
    merges = sorted(tok.bpe_ranks, key=tok.bpe_ranks.get)
    specials = [tok.decoder[i] for i in tok.all_special_ids]
    write_tokenizer_json(path, tok.encoder, merges, specials)
    return _TokenizerOut(int(tok.sot_token_id), int(tok.eot_token_id), 0, "lower")


def export_model(
    model: Any,
    out_dir: Path,
    *,
    name: str,
    pretrained: str | None = None,
    tokenizer_name: str = "ViT-B-32",
    tokenizer: Any = None,
    quantize_visual: bool = False,
    quantize_textual: bool = True,
    verify: bool = True,
    query_bank: Sequence[str] = (),
) -> ExportReport:
    """Export an open_clip CLIP model instance into `out_dir` (replaced atomically).

    `query_bank`: typical queries for this model (e.g. captions from its training data),
    written to query_bank.txt; search uses them for hubness correction (core/query/hubness.py).
    `tokenizer`: an open_clip tokenizer instance to use instead of `tokenizer_name`'s.
    """
    torch, open_clip = _import_torch()
    tok = _tokenizer_info(open_clip, tokenizer_name, tokenizer)
    model = model.eval().float().cpu()
    pp = open_clip.get_model_preprocess_cfg(model)
    size = pp.get("size", model.visual.image_size)
    image_size = int(size[0] if isinstance(size, tuple | list) else size)
    # what open_clip tokenizes queries to: an HF tokenizer's own length (the tower's may be its
    # position table, 514 for XLM-R), else the model's
    hf = isinstance(tok, open_clip.tokenizer.HFTokenizer)
    context_length = int(tok.context_length if hf and tok.context_length else model.context_length)

    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir.parent))
    try:
        visual = _Wrap(model, "image", torch)
        textual = _Wrap(model, "text", torch)
        gen = torch.Generator().manual_seed(0)
        dummy_image = torch.randn(2, 3, image_size, image_size, generator=gen)
        dummy_text = tok(list(VERIFY_TEXTS[:2]), context_length=context_length)
        _write_towers(torch, work, visual, textual, dummy_image, dummy_text, quantize_visual, quantize_textual)
        ids = _write_tokenizer(open_clip, tok, work / TOKENIZER_FILE)
        with torch.no_grad():
            dim = int(model.encode_text(dummy_text[:1]).shape[-1])
        config = ModelConfig(
            name=name, pretrained=pretrained, dim=dim, image_size=image_size, context_length=context_length,
            mean=tuple(float(v) for v in (pp.get("mean") or OPENAI_MEAN)),  # type: ignore[arg-type]
            std=tuple(float(v) for v in (pp.get("std") or OPENAI_STD)),  # type: ignore[arg-type]
            interpolation=str(pp.get("interpolation", "bicubic")), resize_mode=str(pp.get("resize_mode", "shortest")),
            sot_token_id=ids.sot, eot_token_id=ids.eot, pad_token_id=ids.pad, text_clean=ids.clean,
            visual_quantized=quantize_visual, textual_quantized=quantize_textual,
            logit_scale=float(model.logit_scale.exp().item()),
        )
        write_config(work, config)
        if query_bank:
            write_query_bank(work, query_bank)
        report = _verify(model, ModelFolder.load(work), torch, tok, verify)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(work, out_dir)
    except ExportError:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except Exception as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise ExportError(f"Export of {name} failed: {exc}") from exc
    return ExportReport(**{**report.__dict__, "path": out_dir})


def _write_towers(torch: Any, work: Path, visual: Any, textual: Any, dummy_image: Any, dummy_text: Any,
                  quantize_visual: bool, quantize_textual: bool) -> None:
    """Both towers as ONNX graphs in `work`, int8 where asked."""
    raw_visual, raw_textual = work / "visual.fp32.onnx", work / "textual.fp32.onnx"
    with warnings.catch_warnings():  # the tracer's notes about open_clip internals
        warnings.simplefilter("ignore")
        _export_graphs(torch, visual, textual, dummy_image, dummy_text, raw_visual, raw_textual)
    for raw, final, ops, quantize in ((raw_visual, VISUAL_FILE, ["MatMul"], quantize_visual),
                                      (raw_textual, TEXTUAL_FILE, ["MatMul", "Gather"], quantize_textual)):
        if quantize:
            _quantize(raw, work / final, ops)
            raw.unlink()
        else:
            raw.rename(work / final)
    for leftover in work.glob("*.onnx.data"):
        leftover.unlink()


def write_query_bank(folder: Path, texts: Sequence[str]) -> Path:
    """query_bank.txt: one query per line (whitespace folded, empty ones dropped)."""
    lines = (" ".join(t.split()) for t in texts)
    path = Path(folder) / QUERY_BANK_FILE
    path.write_text("\n".join(t for t in lines if t) + "\n", encoding="utf-8")
    return path


def _export_graphs(torch: Any, visual: Any, textual: Any, image: Any, text: Any, v_out: Path, t_out: Path) -> None:
    """Both towers with a dynamic batch axis. Not under no_grad: there nn.MultiheadAttention
    takes its fused fast path, which has no ONNX symbolic."""
    torch.onnx.export(
        visual, (image,), str(v_out), input_names=["image"], output_names=["embedding"],
        dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=OPSET, dynamo=False,
    )
    torch.onnx.export(
        textual, (text,), str(t_out), input_names=["text"], output_names=["embedding"],
        dynamic_axes={"text": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=OPSET, dynamo=False,
    )


class _Wrap:  # built lazily as a torch.nn.Module subclass (torch is optional)
    def __new__(cls, model: Any, which: str, torch: Any) -> Any:  # noqa: D102
        class Tower(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, x: Any) -> Any:
                return self.model.encode_image(x) if which == "image" else self.model.encode_text(x)

        return Tower().eval()


def _verify(model: Any, folder: ModelFolder, torch: Any, tok: Any, check: bool) -> ExportReport:
    from PIL import Image

    from .onnx_backend import OnnxEmbedder

    cfg = folder.config
    embedder = OnnxEmbedder(folder, device="cpu")
    rng = np.random.default_rng(0)
    images = [
        Image.fromarray(rng.integers(0, 256, (cfg.image_size + 17 * i, cfg.image_size + 5, 3), dtype=np.uint8))
        for i in range(3)
    ]
    pixels = np.stack([_pre(im, cfg) for im in images])
    texts = list(VERIFY_TEXTS)
    with torch.no_grad():
        ref_img = model.encode_image(torch.from_numpy(pixels), normalize=True).numpy()
        ref_txt = model.encode_text(tok(texts, context_length=cfg.context_length), normalize=True).numpy()
    got_img = embedder.embed_pixels(pixels)
    got_txt = embedder.embed_texts(texts)
    vis_diff = float(np.abs(ref_img - got_img).max())
    txt_diff = float(np.abs(ref_txt - got_txt).max())
    vis_cos = float((ref_img * got_img).sum(-1).min())
    txt_cos = float((ref_txt * got_txt).sum(-1).min())
    ok = (vis_diff <= FP32_TOLERANCE if not cfg.visual_quantized else vis_cos >= INT8_MIN_COSINE) and (
        txt_diff <= FP32_TOLERANCE if not cfg.textual_quantized else txt_cos >= INT8_MIN_COSINE
    )
    log.info("export parity: visual max|d|=%.2e cos>=%.4f, textual max|d|=%.2e cos>=%.4f",
             vis_diff, vis_cos, txt_diff, txt_cos)
    if check and not ok:
        raise ExportError(
            f"Exported graphs disagree with torch (visual max diff {vis_diff:.2e}, cos {vis_cos:.4f}; "
            f"textual max diff {txt_diff:.2e}, cos {txt_cos:.4f})"
        )
    return ExportReport(folder.path, cfg, vis_diff, txt_diff, vis_cos, txt_cos, ok)


def _pre(image: Any, cfg: ModelConfig) -> np.ndarray:
    from .preprocess import preprocess

    return preprocess(image, cfg)


def export_pretrained(
    name: str,
    out_dir: Path,
    *,
    pretrained: str | None,
    quantize: bool = False,
    verify: bool = True,
) -> ExportReport:
    """Create an open_clip model (weights from its hub or a local checkpoint file) and export it."""
    torch, open_clip = _import_torch()
    if name not in open_clip.list_models():
        raise ExportError(f"open_clip has no model called {name!r}; see open_clip.list_models()")
    try:
        model = open_clip.create_model(name, pretrained=pretrained)
    except Exception as exc:
        raise ExportError(
            f"Could not load weights {pretrained!r} for {name}: {exc}. Offline? Download the checkpoint "
            "elsewhere and pass its file path as --pretrained, or use --model-path with an exported folder."
        ) from exc
    return export_model(
        model, out_dir, name=name, pretrained=pretrained, tokenizer_name=name,
        quantize_visual=quantize, quantize_textual=quantize, verify=verify,
    )
