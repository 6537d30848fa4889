"""Synthetic scenes with known content, for training and testing the oracle CLIP.

A :class:`Scene` is one to three coloured shapes (circle, square, triangle, star, heart,
cross), each small or large, at one of five positions, over a background (plain, gradient,
stripes or texture) of a named colour. Everything is drawn from a ``numpy`` random
generator, so a seed fixes a scene, its renderings and its captions:

- :func:`render`: a photo-like rendering (anti-aliased, jittered size/position/rotation,
  soft shading and shadows, sensor noise);
- :func:`render_sketch`: black, wobbly hand-drawn outlines on white, as a person would
  sketch the scene on the sketch pad;
- :func:`render_flat`: a plainly different drawing program's look (flat pure colours, hard
  aliased edges with a black outline, no jitter, white or plain background), never used
  for training: a held-out style;
- :func:`caption` / :func:`sketch_caption`: varied English descriptions.

Seeds: training uses :func:`train_seed`, held-out sets :func:`held_out_seed`; the two
ranges never meet. :func:`write_gallery` writes a held-out set to a folder with a
``manifest.json`` (file name -> scene fields) for end-to-end tests.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

# ---------------------------------------------------------------------------- vocabulary

KINDS: tuple[str, ...] = ("circle", "square", "triangle", "star", "heart", "cross")
"""Shape kinds."""

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 35),
    "green": (40, 160, 60),
    "blue": (35, 75, 210),
    "yellow": (240, 210, 40),
    "orange": (245, 135, 25),
    "purple": (125, 50, 165),
    "pink": (240, 125, 185),
    "black": (25, 25, 25),
}
"""Shape colours: eight well-separated hues, with their nominal sRGB values."""

BACKGROUND_COLOURS: dict[str, tuple[int, int, int]] = {
    "white": (242, 242, 238),
    "grey": (128, 128, 128),
    **COLOURS,
}
"""Background colours: the shape colours plus white and grey."""

NEUTRAL_BACKGROUNDS: tuple[str, ...] = ("white", "grey", "black")
BACKGROUND_KINDS: tuple[str, ...] = ("plain", "gradient", "stripes", "texture")
SIZES: tuple[str, ...] = ("small", "large")
POSITIONS: tuple[str, ...] = ("left", "right", "top", "bottom", "centre")

StyleName = Literal["photo", "sketch", "flat"]

# Nominal geometry, as fractions of the image side.
_RADIUS = {"small": 0.11, "large": 0.18}
_OFFSET = 0.27
_CENTRES = {
    "left": (0.5 - _OFFSET, 0.5),
    "right": (0.5 + _OFFSET, 0.5),
    "top": (0.5, 0.5 - _OFFSET),
    "bottom": (0.5, 0.5 + _OFFSET),
    "centre": (0.5, 0.5),
}
# How far each kind may be rotated before it reads as something else (degrees).
_MAX_ROTATION = {
    "circle": 180.0,
    "square": 12.0,
    "triangle": 10.0,
    "star": 15.0,
    "heart": 12.0,
    "cross": 12.0,
}

# Seed ranges: training scenes live below _HELD_OUT_BASE, held-out scenes above it.
_SEEDS_PER_SET = 1_000_000_000
_HELD_OUT_BASE = 1 << 50


# ---------------------------------------------------------------------------- data model


@dataclass(frozen=True)
class Shape:
    """One shape of a scene, in nominal (un-jittered) terms."""

    kind: str
    colour: str
    size: str
    position: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown shape kind {self.kind!r}")
        if self.colour not in COLOURS:
            raise ValueError(f"unknown shape colour {self.colour!r}")
        if self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r}")
        if self.position not in POSITIONS:
            raise ValueError(f"unknown position {self.position!r}")


@dataclass(frozen=True)
class Scene:
    """Shapes over a background; the ground truth behind every rendering and caption."""

    shapes: tuple[Shape, ...]
    background: str = "plain"
    background_colour: str = "white"

    def __post_init__(self) -> None:
        if not 1 <= len(self.shapes) <= 3:
            raise ValueError("a scene has one to three shapes")
        if self.background not in BACKGROUND_KINDS:
            raise ValueError(f"unknown background kind {self.background!r}")
        if self.background_colour not in BACKGROUND_COLOURS:
            raise ValueError(f"unknown background colour {self.background_colour!r}")
        if len({s.position for s in self.shapes}) != len(self.shapes):
            raise ValueError("two shapes share a position")

    @property
    def kinds(self) -> frozenset[str]:
        """The shape kinds present."""
        return frozenset(s.kind for s in self.shapes)

    @property
    def colours(self) -> frozenset[str]:
        """The shape colours present."""
        return frozenset(s.colour for s in self.shapes)

    def has(self, *, kind: str | None = None, colour: str | None = None) -> bool:
        """Whether one shape has this kind and/or colour."""
        return any(
            (kind is None or s.kind == kind) and (colour is None or s.colour == colour)
            for s in self.shapes
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-friendly fields (used by gallery manifests)."""
        return {
            "shapes": [
                {"kind": s.kind, "colour": s.colour, "size": s.size, "position": s.position}
                for s in self.shapes
            ],
            "background": self.background,
            "background_colour": self.background_colour,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, object]) -> Scene:
        """Inverse of :meth:`to_dict`."""
        shapes = raw["shapes"]
        assert isinstance(shapes, list)
        return cls(
            shapes=tuple(Shape(**s) for s in shapes),
            background=str(raw["background"]),
            background_colour=str(raw["background_colour"]),
        )


def single_shape_scene(
    kind: str,
    colour: str,
    *,
    size: str = "large",
    position: str = "centre",
    background: str = "plain",
    background_colour: str = "white",
) -> Scene:
    """A scene with one shape (a convenience for tests that need exact content)."""
    return Scene((Shape(kind, colour, size, position),), background, background_colour)


def recoloured(scene: Scene, colour: str, index: int = 0) -> Scene:
    """The same scene with shape `index` in another colour."""
    shapes = list(scene.shapes)
    old = shapes[index]
    shapes[index] = Shape(old.kind, colour, old.size, old.position)
    return Scene(tuple(shapes), scene.background, scene.background_colour)


# ---------------------------------------------------------------------------- seeds


def train_seed(run_seed: int, index: int) -> int:
    """The seed of training sample `index` of a run; below every held-out seed."""
    if not (0 <= run_seed < 1000 and 0 <= index < _SEEDS_PER_SET):
        raise ValueError("run_seed must be in [0, 1000) and index in [0, 1e9)")
    seed = run_seed * _SEEDS_PER_SET + index
    assert seed < _HELD_OUT_BASE
    return seed


def held_out_seed(set_seed: int, index: int) -> int:
    """The seed of item `index` of held-out set `set_seed`; never a training seed."""
    if not (0 <= set_seed < 1000 and 0 <= index < _SEEDS_PER_SET):
        raise ValueError("set_seed must be in [0, 1000) and index in [0, 1e9)")
    return _HELD_OUT_BASE + set_seed * _SEEDS_PER_SET + index


def is_held_out_seed(seed: int) -> bool:
    """Whether a seed belongs to the held-out range."""
    return seed >= _HELD_OUT_BASE


def scene_rng(seed: int, stream: int = 0) -> np.random.Generator:
    """The generator for one seed; `stream` gives independent generators for the same seed."""
    return np.random.default_rng([stream, seed])


# ---------------------------------------------------------------------------- sampling


def _pick(rng: np.random.Generator, items: Sequence[str]) -> str:
    return items[int(rng.integers(len(items)))]


def _fits(a: Shape, b: Shape) -> bool:
    """Whether two shapes at their nominal places stay apart (with a margin)."""
    (ax, ay), (bx, by) = _CENTRES[a.position], _CENTRES[b.position]
    gap = math.hypot(ax - bx, ay - by)
    return gap >= _RADIUS[a.size] + _RADIUS[b.size] - 0.005


def random_scene(rng: np.random.Generator, *, max_shapes: int = 3) -> Scene:
    """A random scene: 1..max_shapes shapes with distinct positions and (kind, colour).

    Shapes never overlap at their nominal positions and never share the background's
    colour. About 40% of backgrounds are neutral (white, grey, black).
    """
    n_shapes = int(rng.choice(np.arange(1, max_shapes + 1), p=_shape_count_p(max_shapes)))
    if rng.random() < 0.4:
        bg_colour = _pick(rng, NEUTRAL_BACKGROUNDS)
    else:
        bg_colour = _pick(rng, tuple(COLOURS))
    bg_kind = _pick(rng, BACKGROUND_KINDS)
    shape_colours = tuple(c for c in COLOURS if c != bg_colour)
    while True:
        shapes: list[Shape] = []
        for _ in range(n_shapes):
            for _attempt in range(20):
                cand = Shape(
                    kind=_pick(rng, KINDS),
                    colour=_pick(rng, shape_colours),
                    size=_pick(rng, SIZES),
                    position=_pick(rng, POSITIONS),
                )
                if all(
                    _fits(cand, s)
                    and cand.position != s.position
                    and (cand.kind, cand.colour) != (s.kind, s.colour)
                    for s in shapes
                ):
                    shapes.append(cand)
                    break
        if len(shapes) == n_shapes:
            return Scene(tuple(shapes), bg_kind, bg_colour)


def _shape_count_p(max_shapes: int) -> list[float]:
    weights = [0.4, 0.35, 0.25][:max_shapes]
    total = sum(weights)
    return [w / total for w in weights]


# ---------------------------------------------------------------------------- geometry


def _outline(
    kind: str, cx: float, cy: float, r: float, angle: float, n_round: int = 48
) -> list[tuple[float, float]]:
    """Closed polygon (without the repeated first point) of a shape, y pointing down."""
    pts: list[tuple[float, float]]
    if kind == "circle":
        pts = [
            (math.cos(t), math.sin(t)) for t in np.linspace(0, 2 * math.pi, n_round, endpoint=False)
        ]
    elif kind == "square":
        s = 0.85
        pts = [(-s, -s), (s, -s), (s, s), (-s, s)]
    elif kind == "triangle":
        pts = [
            (1.1 * math.cos(t), 1.1 * math.sin(t) + 0.15)
            for t in (-math.pi / 2, math.pi / 6, 5 * math.pi / 6)
        ]
    elif kind == "star":
        pts = []
        for i in range(10):
            t = -math.pi / 2 + i * math.pi / 5
            rad = 1.1 if i % 2 == 0 else 0.45
            pts.append((rad * math.cos(t), rad * math.sin(t) + 0.08))
    elif kind == "heart":
        pts = []
        for t in np.linspace(0, 2 * math.pi, n_round, endpoint=False):
            x = 16 * math.sin(t) ** 3
            y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
            pts.append((x / 16.0, -y / 16.0 - 0.05))
    elif kind == "cross":
        a, w = 0.95, 0.32
        pts = [
            (-w, -a), (w, -a), (w, -w), (a, -w), (a, w), (w, w),
            (w, a), (-w, a), (-w, w), (-a, w), (-a, -w), (-w, -w),
        ]  # fmt: skip
    else:
        raise ValueError(f"unknown shape kind {kind!r}")
    c, s = math.cos(angle), math.sin(angle)
    return [(cx + r * (x * c - y * s), cy + r * (x * s + y * c)) for x, y in pts]


def _resample(poly: list[tuple[float, float]], step: float) -> np.ndarray:
    """Points every `step` pixels along a closed polygon (closing point included)."""
    closed = np.array([*poly, poly[0]], dtype=np.float64)
    seg = np.diff(closed, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    n = max(int(cum[-1] / step), 8)
    at = np.linspace(0.0, cum[-1], n + 1)
    x = np.interp(at, cum, closed[:, 0])
    y = np.interp(at, cum, closed[:, 1])
    return np.stack([x, y], axis=1)


@dataclass(frozen=True)
class _Placed:
    shape: Shape
    cx: float
    cy: float
    r: float
    angle: float


def _place(
    scene: Scene, side: float, rng: np.random.Generator | None, *, jitter: float = 1.0
) -> list[_Placed]:
    """Pixel geometry of each shape, jittered when `rng` is given."""
    out = []
    for shape in scene.shapes:
        fx, fy = _CENTRES[shape.position]
        r = _RADIUS[shape.size]
        angle = 0.0
        if rng is not None:
            fx += float(rng.uniform(-0.035, 0.035)) * jitter
            fy += float(rng.uniform(-0.035, 0.035)) * jitter
            r *= float(rng.uniform(1 - 0.15 * jitter, 1 + 0.12 * jitter))
            angle = math.radians(float(rng.uniform(-1, 1)) * _MAX_ROTATION[shape.kind] * jitter)
        out.append(_Placed(shape, fx * side, fy * side, r * side, angle))
    return out


# ---------------------------------------------------------------------------- rendering


def _mix(a: np.ndarray, b: np.ndarray | tuple[int, int, int], t: float | np.ndarray) -> np.ndarray:
    return a * (1 - t) + np.asarray(b, dtype=np.float32) * t


def _tint(colour: tuple[int, int, int]) -> np.ndarray:
    """A second tone of a colour, for stripes and gradients (lighter, or for light colours darker)."""
    base = np.asarray(colour, dtype=np.float32)
    if base.mean() > 170:
        return base * 0.78
    return _mix(base, (255, 255, 255), 0.4)


def _background(scene: Scene, side: int, rng: np.random.Generator) -> np.ndarray:
    """Background pixels (float32, HxWx3, 0..255)."""
    base = np.asarray(BACKGROUND_COLOURS[scene.background_colour], dtype=np.float32)
    base = np.clip(base + rng.normal(0, 8, 3), 0, 255).astype(np.float32)
    axis = np.arange(side, dtype=np.float32) / max(side - 1, 1)
    xx, yy = axis[None, :], axis[:, None]
    theta = float(rng.uniform(0, 2 * math.pi))
    ramp = (xx - 0.5) * math.cos(theta) + (yy - 0.5) * math.sin(theta)  # -0.71..0.71
    kind = scene.background
    img: np.ndarray
    if kind == "plain":
        img = np.empty((side, side, 3), np.float32)
        img[...] = base
    elif kind == "gradient":
        t = np.clip(ramp / 1.42 + 0.5, 0, 1)[..., None]
        dark = base * 0.55 if base.mean() > 60 else base
        light = _mix(base, (255, 255, 255), 0.45) if base.mean() < 200 else base * 0.7
        img = _mix(dark, light, t) if rng.random() < 0.5 else _mix(light, dark, t)
    elif kind == "stripes":
        period = float(rng.uniform(0.1, 0.22)) * side
        phi = float(rng.choice([0.0, math.pi / 2, math.pi / 4, -math.pi / 4]))
        u = xx * side * math.cos(phi) + yy * side * math.sin(phi)
        band = ((u / period + float(rng.uniform(0, 1))) % 1.0 < 0.5)[..., None]
        img = np.where(band, base, _tint(BACKGROUND_COLOURS[scene.background_colour]))
    elif kind == "texture":
        cells = int(rng.integers(4, 10))
        low = rng.normal(0, 1, (cells, cells)).astype(np.float32)
        low_img = Image.fromarray(low).resize((side, side), Image.Resampling.BICUBIC)
        blotch = np.asarray(low_img, dtype=np.float32)[..., None]
        grain = rng.standard_normal((side, side, 1), dtype=np.float32)
        amp = 28.0 if base.mean() > 40 else 18.0
        img = base + amp * blotch + 10.0 * grain
        if base.mean() < 40:
            img = img + 20.0
    else:  # pragma: no cover - guarded by Scene
        raise ValueError(kind)
    # Uneven light, as in a photo.
    img = img * (1.0 + float(rng.uniform(0.0, 0.15)) * ramp[..., None])
    return np.clip(img, 0, 255, dtype=np.float32)


def _polygon_mask(poly: list[tuple[float, float]], side: int) -> np.ndarray:
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).polygon(poly, fill=255)
    return np.asarray(mask, dtype=np.float32)[..., None] * np.float32(1 / 255)


def _to_image(pixels: np.ndarray, size: int) -> Image.Image:
    img = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8), "RGB")
    if img.size != (size, size):
        img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img


def render(
    scene: Scene, size: int = 128, rng: np.random.Generator | None = None, *, supersample: int = 2
) -> Image.Image:
    """A photo-like RGB rendering: shaded, shadowed, jittered, noisy.

    `rng` drives the jitter (a fresh generator seeded 0 when omitted, so the call stays
    deterministic). Drawn at `supersample` times the size, then reduced (anti-aliasing).
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    side = size * supersample
    img = _background(scene, side, rng)
    light = float(rng.uniform(0, 2 * math.pi))
    axis = np.arange(side, dtype=np.float32) / side - 0.5
    shade = (axis[None, :] * math.cos(light) + axis[:, None] * math.sin(light))[..., None]
    shadow_dx, shadow_dy = (float(v) for v in rng.uniform(0.01, 0.03, 2) * side)
    draw_shadows = rng.random() < 0.5
    for placed in _place(scene, side, rng):
        poly = _outline(placed.shape.kind, placed.cx, placed.cy, placed.r, placed.angle)
        if draw_shadows:
            shadow_poly = [(x + shadow_dx, y + shadow_dy) for x, y in poly]
            img *= 1.0 - 0.35 * _polygon_mask(shadow_poly, side)
        colour = np.asarray(COLOURS[placed.shape.colour], np.float32) + rng.normal(0, 9, 3).astype(
            np.float32
        )
        fill = np.clip(colour, 0, 255) * (1.0 + float(rng.uniform(0.1, 0.4)) * shade)
        mask = _polygon_mask(poly, side)
        img += mask * (fill - img)
    small = np.asarray(_to_image(img, size), dtype=np.float32)
    small += rng.standard_normal(small.shape, dtype=np.float32) * float(rng.uniform(1.0, 6.0))
    return Image.fromarray(np.clip(small + 0.5, 0, 255).astype(np.uint8), "RGB")


def render_sketch(
    scene: Scene, size: int = 128, rng: np.random.Generator | None = None, *, supersample: int = 2
) -> Image.Image:
    """Black wobbly outlines on white: the scene as a person would sketch it (shapes only)."""
    rng = rng if rng is not None else np.random.default_rng(0)
    side = size * supersample
    paper = int(rng.integers(236, 256))
    canvas = Image.new("L", (side, side), paper)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(side * float(rng.uniform(0.008, 0.045))))
    ink = int(rng.integers(0, 70))
    for placed in _place(scene, side, rng, jitter=1.4):
        poly = _outline(placed.shape.kind, placed.cx, placed.cy, placed.r, placed.angle, n_round=24)
        strokes = 2 if rng.random() < 0.25 else 1
        for _ in range(strokes):
            pts = _resample(poly, step=max(side / 90.0, 1.0))
            n = len(pts)
            t = np.linspace(0, 2 * math.pi, n)
            wobble = np.zeros_like(pts)
            for axis in range(2):
                for freq in (1, 2, 3, 5):
                    amp = float(rng.normal(0, 0.035 / freq)) * placed.r
                    wobble[:, axis] += amp * np.sin(freq * t + float(rng.uniform(0, 2 * math.pi)))
            wobble += rng.normal(0, 0.006 * side, pts.shape) * 0.3
            pts = pts + wobble
            # Hand-drawn loops rarely close exactly: overshoot or stop short a little.
            cut = int(rng.integers(-n // 12, n // 10 + 1))
            if cut > 0:
                pts = np.concatenate([pts, pts[1 : cut + 1]])
            elif cut < 0:
                pts = pts[:cut]
            draw.line([tuple(p) for p in pts.tolist()], fill=ink, width=width, joint="curve")
    img = canvas.convert("RGB")
    if img.size != (size, size):
        img = img.resize((size, size), Image.Resampling.LANCZOS)
    return img


def render_flat(scene: Scene, size: int = 128) -> Image.Image:
    """A different program's look: flat pure colours, aliased edges, black outline, no jitter.

    The background is white, or the scene's colour when its background is plain. Never
    used for training; it measures how well the model transfers to another style.
    """
    bg = (
        BACKGROUND_COLOURS[scene.background_colour]
        if scene.background == "plain"
        else (255, 255, 255)
    )
    img = Image.new("RGB", (size, size), bg)
    draw = ImageDraw.Draw(img)
    outline_width = max(1, round(size / 48))
    for placed in _place(scene, float(size), None):
        poly = _outline(placed.shape.kind, placed.cx, placed.cy, placed.r, 0.0, n_round=32)
        draw.polygon(
            poly, fill=COLOURS[placed.shape.colour], outline=(0, 0, 0), width=outline_width
        )
    return img


# ---------------------------------------------------------------------------- captions

_PREFIXES = ("", "", "", "a photo of ", "a picture of ", "an image of ")
_SKETCH_PREFIXES = ("a drawing of ", "a sketch of ", "a doodle of ", "a line drawing of ", "")
_POSITION_PHRASES = {
    "left": ("on the left",),
    "right": ("on the right",),
    "top": ("at the top",),
    "bottom": ("at the bottom",),
    "centre": ("in the centre", "in the center", "in the middle"),
}
_SIZE_WORDS = {"small": ("small", "little", "tiny"), "large": ("large", "big")}
_BACKGROUND_WORDS = {
    "plain": ("{c} background", "plain {c} background"),
    "gradient": ("{c} gradient background",),
    "stripes": ("{c} striped background",),
    "texture": ("{c} textured background", "noisy {c} background"),
}
_MAX_TOKENS = 22  # context length 24 minus start and end markers
_TOKEN = re.compile(r"[A-Za-z]+|[^\sA-Za-z]")


def count_tokens(text: str) -> int:
    """Word/punctuation count; each vocabulary word here is one CLIP BPE token."""
    return len(_TOKEN.findall(text))


def _colour_word(colour: str, rng: np.random.Generator) -> str:
    if colour == "grey" and rng.random() < 0.5:
        return "gray"
    return colour


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _join(parts: Sequence[str]) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def caption(scene: Scene, rng: np.random.Generator | None = None) -> str:
    """A varied description of a photo-like rendering, at most 22 CLIP tokens.

    E.g. "a small red circle on the left, blue background" or "a red circle and a green
    star". Usually every shape is named (in random order), sometimes a subset; sizes,
    positions and the background appear at random; about one caption in ten names only a
    colour or only a shape ("something red", "a star").
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    roll = rng.random()
    if roll < 0.05:
        colour = _colour_word(scene.shapes[int(rng.integers(len(scene.shapes)))].colour, rng)
        return _pick(rng, (f"something {colour}", f"a {colour} shape", f"a {colour} thing", colour))
    if roll < 0.10:
        kind = scene.shapes[int(rng.integers(len(scene.shapes)))].kind
        return _pick(rng, (f"{_article(kind)} {kind}", f"a photo of {_article(kind)} {kind}", kind))
    order = [int(i) for i in rng.permutation(len(scene.shapes))]
    if len(order) > 1 and rng.random() < 0.25:
        order = order[: int(rng.integers(1, len(order)))]
    shapes = [scene.shapes[i] for i in order]
    with_size = rng.random() < 0.45
    with_position = rng.random() < 0.45
    with_background = rng.random() < 0.45
    prefix = _pick(rng, _PREFIXES)
    colours = [_colour_word(s.colour, rng) for s in shapes]
    size_words = [_pick(rng, _SIZE_WORDS[s.size]) for s in shapes]
    position_words = [_pick(rng, _POSITION_PHRASES[s.position]) for s in shapes]
    bg_word = _pick(rng, _BACKGROUND_WORDS[scene.background]).format(
        c=_colour_word(scene.background_colour, rng)
    )
    bg_joiner = _pick(rng, (", ", " on a ", " with a "))

    def build(size_on: bool, position_on: bool, background_on: bool, prefix_on: bool) -> str:
        parts = []
        for shape, colour, size_word, where in zip(
            shapes, colours, size_words, position_words, strict=True
        ):
            words = [size_word] if size_on else []
            words += [colour, shape.kind]
            phrase = " ".join(words)
            phrase = f"{_article(phrase)} {phrase}"
            if position_on:
                phrase += " " + where
            parts.append(phrase)
        text = _join(parts)
        if background_on:
            text += bg_joiner + bg_word
        return (prefix if prefix_on else "") + text

    flags = [with_size, with_position, with_background, True]
    text = build(*flags)
    # Too long for the context: drop details until it fits (background, sizes, positions, prefix).
    for drop in (2, 0, 1, 3):
        if count_tokens(text) <= _MAX_TOKENS:
            break
        flags[drop] = False
        text = build(*flags)
    return text


def sketch_caption(scene: Scene, rng: np.random.Generator | None = None) -> str:
    """Shapes only, e.g. "a drawing of a circle" (canonical wording when `rng` is None).

    Each kind is named once ("a drawing of a circle and a star"), colours never.
    """
    kinds = list(dict.fromkeys(s.kind for s in scene.shapes))
    if rng is None:
        prefix = "a drawing of "
    else:
        kinds = [kinds[int(i)] for i in rng.permutation(len(kinds))]
        prefix = _pick(rng, _SKETCH_PREFIXES)
    return prefix + _join([f"{_article(k)} {k}" for k in kinds])


# ---------------------------------------------------------------------------- galleries


def render_style(
    scene: Scene, style: StyleName, size: int, rng: np.random.Generator
) -> Image.Image:
    """Render a scene in one of the three styles."""
    if style == "photo":
        return render(scene, size, rng)
    if style == "sketch":
        return render_sketch(scene, size, rng)
    if style == "flat":
        return render_flat(scene, size)
    raise ValueError(f"unknown style {style!r}")


def training_captions(count: int, run_seed: int = 0, *, max_shapes: int = 3) -> list[str]:
    """Captions of `count` training scenes of a run: the model's query bank
    (query_bank.txt, used by hubness correction), the queries it was trained on."""
    out = []
    for i in range(count):
        rng = scene_rng(train_seed(run_seed, i), stream=1)
        out.append(caption(random_scene(rng, max_shapes=max_shapes), rng))
    return out


def held_out_scenes(count: int, set_seed: int = 0, *, max_shapes: int = 3) -> list[Scene]:
    """`count` held-out scenes of set `set_seed` (scene i drawn from held_out_seed(set_seed, i))."""
    return [
        random_scene(scene_rng(held_out_seed(set_seed, i)), max_shapes=max_shapes)
        for i in range(count)
    ]


def write_gallery(
    folder: Path,
    count: int | None = None,
    *,
    set_seed: int = 0,
    scenes: Iterable[Scene] | None = None,
    style: StyleName = "photo",
    size: int = 128,
    fmt: Literal["jpg", "png"] = "jpg",
    manifest: Path | None = None,
    prefix: str = "img",
) -> dict[str, dict[str, object]]:
    """Write held-out renderings to `folder` plus a JSON manifest; return the manifest.

    Either `count` random held-out scenes of set `set_seed`, or the given `scenes`. The
    rendering jitter of item i comes from held_out_seed(set_seed, i), so galleries never
    share a seed with training. The manifest (default ``folder/manifest.json``) maps each
    file name to the scene's fields plus its style.
    """
    if scenes is None:
        if count is None:
            raise ValueError("give count or scenes")
        scene_list = held_out_scenes(count, set_seed)
    else:
        scene_list = list(scenes)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, object]] = {}
    for i, scene in enumerate(scene_list):
        rng = scene_rng(held_out_seed(set_seed, i), stream=1)  # independent of the scene draw
        image = render_style(scene, style, size, rng)
        name = f"{prefix}_{i:04d}.{fmt}"
        if fmt == "jpg":
            image.save(folder / name, quality=92)
        else:
            image.save(folder / name)
        entries[name] = {**scene.to_dict(), "style": style}
    manifest_path = manifest if manifest is not None else folder / "manifest.json"
    manifest_path.write_text(json.dumps(entries, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return entries


def read_manifest(path: Path) -> dict[str, Scene]:
    """File name -> Scene, from a manifest written by :func:`write_gallery`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: Scene.from_dict(fields) for name, fields in raw.items()}
