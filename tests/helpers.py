"""Test helpers: tiny models of the real architectures and simple pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw


def tiny_clip(seed: int = 0):  # noqa: ANN201 - an open_clip CLIP
    """A tiny random-init open_clip CLIP of the real architecture."""
    torch = pytest.importorskip("torch")
    open_clip = pytest.importorskip("open_clip")
    torch.manual_seed(seed)
    return open_clip.CLIP(
        embed_dim=32,
        vision_cfg={"image_size": 32, "patch_size": 8, "layers": 2, "width": 64, "head_width": 32},
        text_cfg={"context_length": 20, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
    )


def make_image(path: Path, colour: tuple[int, int, int], size: tuple[int, int] = (96, 72), shape: str = "circle",
               seed: int = 0) -> Path:
    """A picture of one coloured shape on a noisy background."""
    rng = np.random.default_rng(seed)
    bg = rng.integers(0, 60, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(bg)
    draw = ImageDraw.Draw(image)
    w, h = size
    box = (w // 4, h // 4, 3 * w // 4, 3 * h // 4)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    else:
        draw.rectangle(box, fill=colour)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path
