"""Test pictures: single coloured shapes, drawn with the oracle's scene renderer when it is
available (so the oracle model recognises them), else with PIL."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

KINDS = ("circle", "square", "triangle", "star")
COLOURS = ("red", "green", "blue", "yellow", "purple", "orange")
_RGB = {"red": (215, 35, 35), "green": (40, 160, 60), "blue": (35, 75, 210), "yellow": (240, 210, 40),
        "purple": (125, 50, 165), "orange": (245, 135, 25)}
BASE_TIME = 1_600_000_000  # Sep 2020


def render_shape(kind: str, colour: str, size: int = 128, seed: int = 0) -> Image.Image:
    try:
        from tests.oracle import scenes
    except ImportError:
        scenes = None  # type: ignore[assignment]
    if scenes is not None:
        scene = scenes.single_shape_scene(kind, colour)
        return scenes.render(scene, size, np.random.default_rng(seed))
    return _draw(kind, colour, size, seed)


def _draw(kind: str, colour: str, size: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.fromarray(rng.integers(225, 250, (size, size, 3), dtype=np.uint8))
    draw = ImageDraw.Draw(image)
    lo, hi = size * 0.25, size * 0.75
    fill = _RGB[colour]
    if kind == "circle":
        draw.ellipse((lo, lo, hi, hi), fill=fill)
    elif kind == "square":
        draw.rectangle((lo, lo, hi, hi), fill=fill)
    elif kind == "triangle":
        draw.polygon([(size / 2, lo), (hi, hi), (lo, hi)], fill=fill)
    else:
        c, r = size / 2, size * 0.25
        pts = [(c + (r if i % 2 == 0 else r / 2.5) * np.sin(i * np.pi / 5),
                c - (r if i % 2 == 0 else r / 2.5) * np.cos(i * np.pi / 5)) for i in range(10)]
        draw.polygon(pts, fill=fill)
    return image


def make_gallery(root: Path, size: int = 128) -> Path:
    """24 pictures (kind x colour) with one-day-apart mtimes, and a broken file."""
    for i, (kind, colour) in enumerate((k, c) for k in KINDS for c in COLOURS):
        folder = root / ("home" if kind in ("circle", "square") else "trip")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{colour}_{kind}.png"
        render_shape(kind, colour, size, seed=i).save(path)
        stamp = BASE_TIME + i * 86_400
        os.utime(path, (stamp, stamp))
    (root / "trip" / "broken.jpg").write_bytes(b"this is not a picture")
    return root


def make_many(root: Path, count: int, size: int = 96) -> Path:
    """`count` distinct pictures (for indexing-in-progress tests)."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        kind, colour = KINDS[i % len(KINDS)], COLOURS[(i // len(KINDS)) % len(COLOURS)]
        _draw(kind, colour, size, seed=1000 + i).save(root / f"many_{i:03d}.png")
    return root
