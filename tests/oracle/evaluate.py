"""Held-out retrieval figures of the oracle CLIP, with torch or with the exported ONNX folder.

    python -m tests.oracle.evaluate                       # torch, from .cache/oracle/
    python -m tests.oracle.evaluate --onnx tests/fixtures/models/oracle

Every figure uses held-out seeds (never seen in training):

- ``text_p5``: text -> image precision@5 of "a {colour} {shape}" (all 48 combinations)
  over a gallery of 600 photo-like scenes with one to three shapes, saved as JPEG at 128 px;
- ``image_p5``: image -> image precision@5, a single-shape photo as the query, same gallery;
- ``sketch_colour_top1``: a sketch of one shape (256 px, as from the sketch pad) plus a
  colour word, the two unit vectors naively summed: is the top result a scene with a shape
  of that kind in that colour?  (``sketch_kind_top1`` / ``colour_word_top1``: each half alone,
  judged on its own attribute, for context);
- ``flat_p3``: text -> image precision@3 of "a {colour} {shape}" over 192 single shapes drawn
  in the flat style of another program (never trained on).

With ``--onnx`` the model folder is run through the project's runtime
(``photolens.core.embed.onnx_backend.OnnxEmbedder``: onnxruntime, tokenizer.json, numpy
preprocessing), and the embeddings are compared with torch's when a checkpoint exists.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from . import scenes

# Held-out set seeds of the evaluation (any fixed values work; they only need to differ).
PHOTO_GALLERY_SET = 11
IMAGE_QUERY_SET = 12
SKETCH_QUERY_SET = 13
FLAT_GALLERY_SET = 14

GALLERY_SIZE = 600
GALLERY_PX = 128
SKETCH_PX = 256
FLAT_PER_COMBO = 4
COMBOS: tuple[tuple[str, str], ...] = tuple(itertools.product(scenes.COLOURS, scenes.KINDS))


class Encoder(Protocol):
    """Images and texts to L2-normalised float32 vectors."""

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray: ...

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray: ...


class TorchEncoder:
    """The torch model with open_clip's own eval transform and tokenizer."""

    def __init__(self, model: Any, batch_size: int = 256) -> None:
        import open_clip
        from open_clip.transform import image_transform

        pp = open_clip.get_model_preprocess_cfg(model)
        self.model = model.eval()
        self.batch_size = batch_size
        self.transform = image_transform(
            pp["size"], is_train=False, mean=pp.get("mean"), std=pp.get("std"),
            interpolation=pp.get("interpolation"), resize_mode=pp.get("resize_mode"),
        )  # fmt: skip
        self.tokenizer = open_clip.get_tokenizer("ViT-B-32")
        self.context_length = int(model.context_length)

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Preprocess and embed, in batches."""
        import torch

        out = []
        with torch.no_grad():
            for i in range(0, len(images), self.batch_size):
                batch = torch.stack([self.transform(im) for im in images[i : i + self.batch_size]])
                out.append(self.model.encode_image(batch, normalize=True).numpy())
        return np.concatenate(out).astype(np.float32)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Tokenize (context 24) and embed."""
        import torch

        with torch.no_grad():
            tokens = self.tokenizer(list(texts), context_length=self.context_length)
            return self.model.encode_text(tokens, normalize=True).numpy().astype(np.float32)


class OnnxEncoder:
    """An exported model folder through the project's ONNX runtime (no torch)."""

    def __init__(self, folder: Path, threads: int = 2) -> None:
        from photolens.core.embed.model_files import ModelFolder
        from photolens.core.embed.onnx_backend import OnnxEmbedder

        self.embedder = OnnxEmbedder(ModelFolder.load(folder), threads=threads, device="cpu")

    def encode_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """Embed through OnnxEmbedder.embed_images (batches of 256)."""
        parts = [
            self.embedder.embed_images(list(images[i : i + 256]))
            for i in range(0, len(images), 256)
        ]
        return np.concatenate(parts)

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Embed through OnnxEmbedder.embed_texts."""
        return self.embedder.embed_texts(list(texts))


# ---------------------------------------------------------------------------- held-out sets


@dataclass(frozen=True)
class EvalSets:
    """The rendered held-out sets (the same for every encoder)."""

    gallery: list[scenes.Scene]
    gallery_images: list[Image.Image]
    image_queries: list[scenes.Scene]
    image_query_images: list[Image.Image]
    sketch_queries: list[scenes.Scene]
    sketch_images: list[Image.Image]
    flat: list[scenes.Scene]
    flat_images: list[Image.Image]


def _jpeg(image: Image.Image) -> Image.Image:
    """Round-trip through JPEG (quality 92), as galleries written to disk are."""
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=92)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def _single_shape_scenes(set_seed: int, per_combo: int, *, plain_white: bool) -> list[scenes.Scene]:
    """`per_combo` single-shape scenes per (colour, kind), sizes/positions/backgrounds drawn."""
    out = []
    for c, (colour, kind) in enumerate(COMBOS):
        for j in range(per_combo):
            rng = scenes.scene_rng(scenes.held_out_seed(set_seed, c * per_combo + j))
            if plain_white:
                bg_kind, bg_colour = "plain", "white"
            else:
                bg_kind = str(rng.choice(scenes.BACKGROUND_KINDS))
                bg_colour = str(rng.choice([b for b in scenes.BACKGROUND_COLOURS if b != colour]))
            out.append(
                scenes.single_shape_scene(
                    kind, colour, size=str(rng.choice(scenes.SIZES)), position=str(rng.choice(scenes.POSITIONS)),
                    background=bg_kind, background_colour=bg_colour,
                )
            )  # fmt: skip
    return out


def build_sets() -> EvalSets:
    """Generate and render every held-out set (deterministic)."""
    gallery = scenes.held_out_scenes(GALLERY_SIZE, PHOTO_GALLERY_SET)
    gallery_images = [
        _jpeg(
            scenes.render(
                s, GALLERY_PX, scenes.scene_rng(scenes.held_out_seed(PHOTO_GALLERY_SET, i), 1)
            )
        )
        for i, s in enumerate(gallery)
    ]
    image_queries = _single_shape_scenes(IMAGE_QUERY_SET, 1, plain_white=False)
    image_query_images = [
        _jpeg(
            scenes.render(
                s, GALLERY_PX, scenes.scene_rng(scenes.held_out_seed(IMAGE_QUERY_SET, i), 1)
            )
        )
        for i, s in enumerate(image_queries)
    ]
    sketch_queries = _single_shape_scenes(SKETCH_QUERY_SET, 2, plain_white=True)
    sketch_images = [
        scenes.render_sketch(
            s, SKETCH_PX, scenes.scene_rng(scenes.held_out_seed(SKETCH_QUERY_SET, i), 1)
        )
        for i, s in enumerate(sketch_queries)
    ]
    flat = _single_shape_scenes(FLAT_GALLERY_SET, FLAT_PER_COMBO, plain_white=True)
    flat_images = [scenes.render_flat(s, GALLERY_PX) for s in flat]
    return EvalSets(
        gallery,
        gallery_images,
        image_queries,
        image_query_images,
        sketch_queries,
        sketch_images,
        flat,
        flat_images,
    )


# ---------------------------------------------------------------------------- metrics


def _precision_at(scores: np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Mean precision@k of score rows [q, n] against boolean relevance [q, n]."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float(np.take_along_axis(relevant, top, axis=1).mean())


def _normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def evaluate(encoder: Encoder, sets: EvalSets | None = None) -> dict[str, float]:
    """All held-out figures for one encoder."""
    sets = sets or build_sets()
    gallery = encoder.encode_images(sets.gallery_images)

    # text -> image, colour + shape, over combos with at least 5 relevant scenes
    queries = [(c, k) for c, k in COMBOS if sum(s.has(kind=k, colour=c) for s in sets.gallery) >= 5]
    text = encoder.encode_texts([f"a {c} {k}" for c, k in queries])
    relevant = np.array([[s.has(kind=k, colour=c) for s in sets.gallery] for c, k in queries])
    text_p5 = _precision_at(text @ gallery.T, relevant, 5)

    # image -> image
    img_q = encoder.encode_images(sets.image_query_images)
    img_rel = np.array(
        [
            [g.has(kind=q.shapes[0].kind, colour=q.shapes[0].colour) for g in sets.gallery]
            for q in sets.image_queries
        ]
    )
    image_p5 = _precision_at(img_q @ gallery.T, img_rel, 5)

    # sketch + colour word, naive sum
    sketch = encoder.encode_images(sets.sketch_images)
    colours = [q.shapes[0].colour for q in sets.sketch_queries]
    kinds = [q.shapes[0].kind for q in sets.sketch_queries]
    words = encoder.encode_texts(colours)
    fused = _normalize(sketch + words)
    top_fused = np.argmax(fused @ gallery.T, axis=1)
    top_sketch = np.argmax(sketch @ gallery.T, axis=1)
    top_word = np.argmax(words @ gallery.T, axis=1)
    gal = sets.gallery
    sketch_colour_top1 = float(
        np.mean(
            [
                gal[t].has(kind=k, colour=c)
                for t, k, c in zip(top_fused, kinds, colours, strict=True)
            ]
        )
    )
    sketch_kind_top1 = float(
        np.mean([gal[t].has(kind=k) for t, k in zip(top_sketch, kinds, strict=True)])
    )
    colour_word_top1 = float(
        np.mean([gal[t].has(colour=c) for t, c in zip(top_word, colours, strict=True)])
    )

    # flat style, text -> image precision@3
    flat = encoder.encode_images(sets.flat_images)
    flat_text = encoder.encode_texts([f"a {c} {k}" for c, k in COMBOS])
    flat_rel = np.array([[s.has(kind=k, colour=c) for s in sets.flat] for c, k in COMBOS])
    flat_p3 = _precision_at(flat_text @ flat.T, flat_rel, 3)

    return {
        "text_p5": round(text_p5, 4),
        "image_p5": round(image_p5, 4),
        "sketch_colour_top1": round(sketch_colour_top1, 4),
        "sketch_kind_top1": round(sketch_kind_top1, 4),
        "colour_word_top1": round(colour_word_top1, 4),
        "flat_p3": round(flat_p3, 4),
        "text_queries": len(queries),
    }


def format_figures(figures: dict[str, float], label: str) -> str:
    """One line per figure."""
    lines = [f"held-out figures ({label}):"]
    lines += [f"  {name:20s} {value:g}" for name, value in figures.items()]
    return "\n".join(lines)


def parity(a: Encoder, b: Encoder, sets: EvalSets) -> dict[str, float]:
    """Lowest cosine between two encoders' embeddings of gallery images and query texts."""
    images = sets.gallery_images[:64] + sets.sketch_images[:32] + sets.flat_images[:32]
    texts = [f"a {c} {k}" for c, k in COMBOS] + [
        "red",
        "a drawing of a star",
        "a small blue square on the left",
    ]
    img_cos = (a.encode_images(images) * b.encode_images(images)).sum(-1)
    txt_cos = (a.encode_texts(texts) * b.encode_texts(texts)).sum(-1)
    return {
        "image_min_cosine": round(float(img_cos.min()), 5),
        "text_min_cosine": round(float(txt_cos.min()), 5),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkpoint-dir", type=Path, default=None, help="default: .cache/oracle/")
    parser.add_argument(
        "--onnx", type=Path, default=None, help="also evaluate this exported model folder"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)

    import torch

    from . import train

    torch.set_num_threads(args.threads)
    checkpoint_dir = args.checkpoint_dir or train.DEFAULT_CHECKPOINT_DIR
    sets = build_sets()
    results: dict[str, Any] = {}
    torch_encoder: TorchEncoder | None = None
    if (checkpoint_dir / train.CHECKPOINT_FILE).is_file():
        model, _meta = train.load_checkpoint(checkpoint_dir)
        torch_encoder = TorchEncoder(model)
        results["torch"] = evaluate(torch_encoder, sets)
    elif args.onnx is None:
        print(
            f"no checkpoint in {checkpoint_dir}; train first (python -m tests.oracle.train)",
            file=sys.stderr,
        )
        return 1
    if args.onnx is not None:
        try:
            onnx_encoder = OnnxEncoder(args.onnx, threads=args.threads)
        except ImportError as exc:
            print(
                f"ONNX evaluation skipped: the project's runtime is not importable ({exc})",
                file=sys.stderr,
            )
        else:
            results["onnx"] = evaluate(onnx_encoder, sets)
            if torch_encoder is not None:
                results["parity"] = parity(torch_encoder, onnx_encoder, sets)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for label, figures in results.items():
            print(format_figures(figures, label))
    return 0


if __name__ == "__main__":
    sys.exit(main())
