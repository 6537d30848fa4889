"""Decode image files to RGB, robustly: EXIF orientation, JPEG draft mode, bomb guard.

Every failure becomes a DecodeError with a reason a person can read.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import DecodeError

log = logging.getLogger(__name__)

# Pillow's own guard (89 MP warns, 179 MP raises); we refuse anything above this outright.
MAX_PIXELS = 200_000_000  # pixels actually decoded (JPEGs: after draft-mode downscaling)
MAX_HEADER_PIXELS = 2_000_000_000  # what a header may claim before anything is decoded
# Pillow's own bomb guard (89.5 MP) refuses 92 and 108 MP phone photos: ours applies instead.
Image.MAX_IMAGE_PIXELS = None

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif", ".heic", ".heif", ".avif"}
)

_heif_registered = False


def register_heif() -> None:
    global _heif_registered  # noqa: PLW0603 - one-time plugin registration, idempotent
    if _heif_registered:
        return
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - pillow-heif is a dependency
        log.warning("pillow-heif is not installed: HEIC/HEIF files cannot be read")
    _heif_registered = True


def is_image_path(path: Path | str) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def _to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode -> RGB; transparency over white, 16-bit scaled down, CMYK converted."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(image, dtype=np.float32)
        top = float(arr.max()) or 1.0
        scale = 255.0 / (65535.0 if top > 255 else max(top, 1.0))
        return Image.fromarray(np.clip(arr * scale, 0, 255).astype(np.uint8)).convert("RGB")
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")


def open_image(path: Path | str, *, min_side: int | None = None) -> Image.Image:
    """Decode the first frame of an image file to an upright RGB image.

    With `min_side`, JPEGs are decoded in draft mode at the smallest DCT scale whose
    shorter side is still >= min_side (4-8x faster for large photos).
    """
    register_heif()
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                w, h = image.size
                if w <= 0 or h <= 0:
                    raise DecodeError("image has no pixels")
                if w * h > MAX_HEADER_PIXELS:
                    raise DecodeError(f"image too large ({w}x{h} pixels)")
                if min_side and image.format == "JPEG":
                    image.draft("RGB", (min_side, min_side))  # decodes at 1/2, 1/4 or 1/8 scale
                dw, dh = image.size
                if dw * dh > MAX_PIXELS:
                    raise DecodeError(f"image too large ({w}x{h} pixels; limit {MAX_PIXELS:,} decoded)")
                image.seek(0)
                image.load()
                try:
                    upright = ImageOps.exif_transpose(image)
                except Exception as exc:  # broken EXIF must not lose the picture
                    log.debug("ignoring broken EXIF orientation in %s: %s", path, exc)
                    upright = image
                return _to_rgb(upright if upright is not None else image).copy()
    except DecodeError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecodeError(f"image too large (decompression bomb guard): {exc}") from exc
    except UnidentifiedImageError as exc:
        raise DecodeError("not a readable image (unknown format or wrong extension)") from exc
    except FileNotFoundError as exc:
        raise DecodeError("file disappeared before it could be read") from exc
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except IsADirectoryError as exc:
        raise DecodeError("is a directory") from exc
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        raise DecodeError(f"cannot decode image: {exc}") from exc

