"""Train the oracle CLIP on generated scenes and export it as a Photolens model folder.

    python -m tests.oracle.train --out tests/fixtures/models/oracle [--steps 1600] [--seed 0]
    python -m tests.oracle.train --out tests/fixtures/models/oracle --export-only

A tiny open_clip CLIP (custom config, see :data:`MODEL_CONFIG`) learns from photo-like
renderings captioned with their content and, for a quarter of each batch, sketches
captioned by shape only. Batches are generated on the fly in one DataLoader worker, at
the model's 64 px input, and go through open_clip's inference preprocessing, so training
sees exactly what the runtime feeds the model. The checkpoint (state dict plus config
JSON) goes to ``.cache/oracle/`` (not committed); the ONNX export goes to ``--out`` through
the project's exporter, the same code path as real weights.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import open_clip
import torch
import torch.nn.functional as F  # noqa: N812
from open_clip.model import set_model_preprocess_cfg
from open_clip.transform import PreprocessCfg, image_transform
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from . import scenes

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CHECKPOINT_DIR = REPO_ROOT / ".cache" / "oracle"
CHECKPOINT_FILE = "checkpoint.pt"
CONFIG_FILE = "model_config.json"
MODEL_NAME = "oracle-tiny-clip"
QUERY_BANK_SIZE = 2000  # training captions shipped as the model's query bank
TOKENIZER_NAME = "ViT-B-32"

MODEL_CONFIG: dict[str, Any] = {
    "embed_dim": 64,
    # A small ModifiedResNet (open_clip's CLIP ResNet): a 4 x 128 ViT trained the same way
    # learned colours but not shapes in 800 steps (held-out sketch_kind_top1 0.16 = chance);
    # convolutions bring the locality prior that shapes at 64 px need.
    "vision_cfg": {"image_size": 64, "layers": [1, 1, 1, 1], "width": 16},
    "text_cfg": {"context_length": 24, "vocab_size": 49408, "width": 128, "heads": 4, "layers": 3},
}
"""The tiny architecture: 64-d embeddings, ResNet 64 px / [1, 1, 1, 1] x 16, text 24 ctx / 3 x 128."""

IMAGE_SIZE: int = MODEL_CONFIG["vision_cfg"]["image_size"]
CONTEXT_LENGTH: int = MODEL_CONFIG["text_cfg"]["context_length"]
PREPROCESS_CFG: dict[str, Any] = asdict(PreprocessCfg(size=IMAGE_SIZE))
"""Inference preprocessing: shorter side to 64 (bicubic), centre crop, OpenAI mean/std."""


# ---------------------------------------------------------------------------- model


def build_model(config: dict[str, Any] | None = None) -> open_clip.CLIP:
    """An untrained tiny CLIP with its preprocessing recorded on ``model.visual``."""
    cfg = config or MODEL_CONFIG
    model = open_clip.CLIP(
        embed_dim=cfg["embed_dim"],
        vision_cfg=dict(cfg["vision_cfg"]),
        text_cfg=dict(cfg["text_cfg"]),
    )
    set_model_preprocess_cfg(model, PREPROCESS_CFG)
    return model


def load_checkpoint(
    checkpoint_dir: Path = DEFAULT_CHECKPOINT_DIR,
) -> tuple[open_clip.CLIP, dict[str, Any]]:
    """The trained model (eval mode) and its metadata, from :func:`save_checkpoint`'s folder."""
    meta = json.loads((checkpoint_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    model = build_model(meta["model_config"])
    state = torch.load(checkpoint_dir / CHECKPOINT_FILE, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    model.eval()
    return model, meta


def save_checkpoint(model: open_clip.CLIP, meta: dict[str, Any], checkpoint_dir: Path) -> None:
    """Write the state dict and the metadata (config, seed, timings) JSON."""
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), checkpoint_dir / CHECKPOINT_FILE)
    (checkpoint_dir / CONFIG_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def get_tokenizer() -> Any:
    """open_clip's standard CLIP BPE tokenizer (call with context_length=CONTEXT_LENGTH)."""
    return open_clip.get_tokenizer(TOKENIZER_NAME)


# ---------------------------------------------------------------------------- data


class SceneBatches(IterableDataset):  # type: ignore[type-arg]
    """Endless stream of training batches: (images, tokens, caption ids).

    Batch b, item i uses scene seed ``train_seed(run_seed, b * batch_size + i)``. The last
    ``sketch_fraction`` of each batch are sketches captioned by shape only. Caption ids are
    equal exactly when the caption strings are equal (for the soft targets).
    """

    def __init__(
        self, run_seed: int, batch_size: int, steps: int, sketch_fraction: float = 0.25
    ) -> None:
        super().__init__()
        self.run_seed = run_seed
        self.batch_size = batch_size
        self.steps = steps
        self.n_sketch = round(batch_size * sketch_fraction)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        info = get_worker_info()
        if info is not None:
            torch.set_num_threads(1)
            if info.num_workers != 1:
                raise RuntimeError("SceneBatches keeps batch order with exactly one worker")
        transform = image_transform(IMAGE_SIZE, is_train=False)
        tokenizer = get_tokenizer()
        for step in range(self.steps):
            yield self.make_batch(step, transform, tokenizer)

    def make_batch(
        self, step: int, transform: Any, tokenizer: Any
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One batch; deterministic in (run_seed, step)."""
        images = []
        texts = []
        n_photo = self.batch_size - self.n_sketch
        for i in range(self.batch_size):
            rng = scenes.scene_rng(scenes.train_seed(self.run_seed, step * self.batch_size + i))
            if i < n_photo:
                scene = scenes.random_scene(rng)
                # Mostly at the model's size; sometimes larger, reduced by the preprocessing.
                size = IMAGE_SIZE if rng.random() < 0.8 else int(rng.choice([80, 96]))
                image = scenes.render(scene, size, rng)
                text = scenes.caption(scene, rng)
            else:
                scene = scenes.random_scene(rng, max_shapes=2)
                size = int(rng.choice([64, 96, 128]))
                image = scenes.render_sketch(scene, size, rng)
                text = scenes.sketch_caption(scene, rng)
            images.append(transform(image))
            texts.append(text)
        ids: dict[str, int] = {}
        caption_ids = torch.tensor([ids.setdefault(t, len(ids)) for t in texts])
        tokens = tokenizer(texts, context_length=CONTEXT_LENGTH)
        return torch.stack(images), tokens, caption_ids


# ---------------------------------------------------------------------------- training


def seed_everything(seed: int) -> None:
    """Fix Python, numpy and torch generators."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def lr_at(step: int, steps: int, base_lr: float, warmup: int) -> float:
    """Linear warm-up, then cosine decay to zero."""
    if step < warmup:
        return base_lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * progress))


def soft_clip_loss(
    image_features: torch.Tensor,
    text_features: torch.Tensor,
    logit_scale: torch.Tensor,
    caption_ids: torch.Tensor,
) -> torch.Tensor:
    """Symmetric InfoNCE where every pair with an identical caption counts as a positive."""
    logits = logit_scale * image_features @ text_features.t()
    same = (caption_ids[:, None] == caption_ids[None, :]).float()
    targets = same / same.sum(dim=1, keepdim=True)
    loss_i = torch.sum(-targets * F.log_softmax(logits, dim=1), dim=1).mean()
    loss_t = torch.sum(-targets * F.log_softmax(logits.t(), dim=1), dim=1).mean()
    return (loss_i + loss_t) / 2


def param_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """open_clip's split: no weight decay on gains, biases, norms and the logit scale."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if p.ndim < 2 or "bn" in name or "ln" in name or "bias" in name or "logit_scale" in name:
            no_decay.append(p)
        else:
            decay.append(p)
    return [
        {"params": no_decay, "weight_decay": 0.0},
        {"params": decay, "weight_decay": weight_decay},
    ]


def train(args: argparse.Namespace) -> tuple[open_clip.CLIP, dict[str, Any]]:
    """Train per `args`; returns the model (eval mode) and metadata for the checkpoint."""
    seed_everything(args.seed)
    torch.set_num_threads(args.threads)
    model = build_model()
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"model: {n_params / 1e6:.2f}M parameters; {args.steps} steps x batch {args.batch_size}",
        flush=True,
    )
    optimizer = torch.optim.AdamW(
        param_groups(model, args.weight_decay), lr=args.lr, betas=(0.9, 0.98), eps=1e-6
    )
    data = SceneBatches(
        args.seed, args.batch_size, args.steps, sketch_fraction=args.sketch_fraction
    )
    loader = DataLoader(
        data, batch_size=None, num_workers=1, prefetch_factor=4, persistent_workers=False
    )
    used_tokens: set[int] = set()
    started = time.monotonic()
    model.train()
    running = 0.0
    for step, (images, tokens, caption_ids) in enumerate(loader):
        for group in optimizer.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        used_tokens.update(torch.unique(tokens).tolist())
        image_features = model.encode_image(images, normalize=True)
        text_features = model.encode_text(tokens, normalize=True)
        loss = soft_clip_loss(image_features, text_features, model.logit_scale.exp(), caption_ids)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))
        running = loss.item() if step == 0 else 0.95 * running + 0.05 * loss.item()
        if step % 25 == 0 or step == args.steps - 1:
            elapsed = time.monotonic() - started
            print(
                f"step {step:4d}/{args.steps}  loss {running:.3f}  scale {model.logit_scale.exp().item():5.1f}"
                f"  lr {optimizer.param_groups[0]['lr']:.2e}  {elapsed:6.0f}s",
                flush=True,
            )
    train_seconds = time.monotonic() - started
    model.eval()
    meta = {
        "model_config": MODEL_CONFIG,
        "preprocess_cfg": PREPROCESS_CFG,
        "tokenizer": TOKENIZER_NAME,
        "seed": args.seed,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "warmup": args.warmup,
        "weight_decay": args.weight_decay,
        "sketch_fraction": args.sketch_fraction,
        "threads": args.threads,
        "train_seconds": round(train_seconds, 1),
        "final_loss": round(running, 4),
        "used_token_ids": sorted(used_tokens),
        "torch": torch.__version__,
        "open_clip": open_clip.__version__,
    }
    print(f"trained in {train_seconds / 60:.1f} min", flush=True)
    return model, meta


# ---------------------------------------------------------------------------- export


def export(model: open_clip.CLIP, out_dir: Path, seed: int, *, wait_seconds: float = 0.0) -> Any:
    """Export through the project's exporter (waiting up to `wait_seconds` for it to exist)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            from photolens.core.embed.export import export_model
        except ImportError as exc:
            if time.monotonic() >= deadline:
                raise SystemExit(f"cannot export: {exc}; re-run with --export-only later") from exc
            print(f"exporter not available yet ({exc}); waiting", flush=True)
            time.sleep(60)
            continue
        break
    out_dir.mkdir(parents=True, exist_ok=True)
    return export_model(
        model,
        out_dir,
        name=MODEL_NAME,
        pretrained=f"synthetic-shapes-seed{seed}",
        tokenizer_name=TOKENIZER_NAME,
        quantize_visual=False,
        quantize_textual=True,
        verify=True,
        query_bank=scenes.training_captions(QUERY_BANK_SIZE, seed),
    )


def folder_size(path: Path) -> int:
    """Total bytes of the files directly in `path`."""
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


# ---------------------------------------------------------------------------- CLI


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="model folder to export to (ONNX)")
    parser.add_argument("--checkpoint-dir", type=Path, default=DEFAULT_CHECKPOINT_DIR)
    parser.add_argument("--steps", type=int, default=1600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=192)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--weight-decay", type=float, default=0.05)
    parser.add_argument("--sketch-fraction", type=float, default=0.25)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for training")
    parser.add_argument(
        "--export-only", action="store_true", help="re-export the saved checkpoint, no training"
    )
    parser.add_argument(
        "--no-export", action="store_true", help="train and evaluate, do not export"
    )
    parser.add_argument("--no-eval", action="store_true", help="skip the held-out evaluation")
    parser.add_argument(
        "--query-bank-only", action="store_true",
        help="only (re)write query_bank.txt (training captions) into --out",
    )  # fmt: skip
    parser.add_argument(
        "--wait-for-exporter", type=float, default=0.0, metavar="SECONDS",
        help="poll for photolens.core.embed.export this long before giving up",
    )  # fmt: skip
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.query_bank_only:
        from photolens.core.embed.export import write_query_bank

        print(write_query_bank(args.out, scenes.training_captions(QUERY_BANK_SIZE, args.seed)), flush=True)
        return 0
    if args.export_only:
        model, meta = load_checkpoint(args.checkpoint_dir)
    else:
        model, meta = train(args)
        save_checkpoint(model, meta, args.checkpoint_dir)
        print(f"checkpoint: {args.checkpoint_dir}", flush=True)
        if not args.no_eval:
            from . import evaluate

            figures = evaluate.evaluate(evaluate.TorchEncoder(model))
            print(evaluate.format_figures(figures, "torch"), flush=True)
            meta["held_out"] = figures
            save_checkpoint(model, meta, args.checkpoint_dir)
    if args.no_export:
        return 0
    report = export(model, args.out, meta["seed"], wait_seconds=args.wait_for_exporter)
    print(f"exported to {args.out}: {folder_size(args.out) / 1e6:.1f} MB", flush=True)
    print(report, flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.exit(main())
