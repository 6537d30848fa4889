"""Pictures with text in them, drawn with real fonts on photo-like backgrounds (OCR tests
and tests/bench/ocr_bench.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans when the system has it, else Pillow's bundled TrueType (Pillow >= 10.1)."""
    path = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def photo_background(size: tuple[int, int], seed: int) -> Image.Image:
    """A photo-like background: a soft two-colour gradient, blurred blobs and grain."""
    rng = np.random.default_rng(seed)
    w, h = size
    a, b = rng.integers(40, 220, 3), rng.integers(40, 220, 3)
    t = np.linspace(0, 1, h)[:, None, None]
    base = (a * (1 - t) + b * t) * np.ones((h, w, 3))
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y, r = int(rng.integers(0, w)), int(rng.integers(0, h)), int(rng.integers(w // 12, w // 4))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(max(2, w // 40)))
    grain = rng.normal(0, 8, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(image, np.float32) + grain, 0, 255).astype(np.uint8))


def sign(lines: list[str], *, size: tuple[int, int] = (480, 320), text_px: int = 34, seed: int = 0,
         ink: tuple[int, int, int] = (20, 20, 20), plate: tuple[int, int, int] | None = (240, 236, 220),
         rotate: int = 0) -> Image.Image:
    """A photo of a sign: lines of text on a plate (or straight on the background), the
    whole picture turned by `rotate` degrees (90, 180, 270)."""
    image = photo_background(size, seed)
    draw = ImageDraw.Draw(image)
    f = font(text_px, bold=True)
    boxes = [draw.textbbox((0, 0), line, font=f) for line in lines]
    width = max(b[2] - b[0] for b in boxes)
    height = sum(b[3] - b[1] for b in boxes) + (len(lines) - 1) * text_px // 2
    x, y = (size[0] - width) // 2, (size[1] - height) // 2
    if plate is not None:
        draw.rectangle((x - 16, y - 14, x + width + 16, y + height + 18), fill=plate)
    for line, box in zip(lines, boxes, strict=True):
        draw.text((x, y - box[1]), line, font=f, fill=ink)
        y += box[3] - box[1] + text_px // 2
    return image.rotate(rotate, expand=True) if rotate else image


def screenshot(lines: list[str], size: tuple[int, int] = (520, 360)) -> Image.Image:
    """A screenshot-like picture: a title bar, then settings-style rows of small text."""
    image = Image.new("RGB", size, (250, 250, 252))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, size[0], 40), fill=(52, 98, 170))
    draw.text((14, 8), lines[0], font=font(20, bold=True), fill=(255, 255, 255))
    y = 58
    for line in lines[1:]:
        draw.text((18, y), line, font=font(18), fill=(30, 30, 30))
        draw.line((14, y + 32, size[0] - 14, y + 32), fill=(215, 215, 220))
        y += 44
    return image


def plain_photo(seed: int, size: tuple[int, int] = (480, 320)) -> Image.Image:
    """A text-free photo-like picture."""
    return photo_background(size, seed)
