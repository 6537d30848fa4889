"""Image preprocessing identical to open_clip's eval transform, in numpy + Pillow.

open_clip (resize_mode 'shortest'): torchvision Resize(size) on the shorter side with
bicubic + antialias (Pillow's resize), CenterCrop(size), RGB, ToTensor, Normalize.
'squash' (SigLIP) resizes straight to size x size.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .model_files import ModelConfig

MAX_ASPECT = 4  # longer side / shorter side kept before resizing; the centre crop keeps 1:1 anyway

_RESAMPLE = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
    "lanczos": Image.Resampling.LANCZOS,
}


def resize_and_crop(image: Image.Image, size: int, *, interpolation: str = "bicubic", resize_mode: str = "shortest") -> Image.Image:
    """The geometric part of open_clip's transform (sizes computed as torchvision does)."""
    resample = _RESAMPLE.get(interpolation, Image.Resampling.BICUBIC)
    w, h = image.size
    if resize_mode == "squash":
        return image.resize((size, size), resample)
    short, long = (w, h) if w <= h else (h, w)
    if long > MAX_ASPECT * short:  # a 100000x1 strip would resize to 22 M x 224: crop its middle first
        keep = MAX_ASPECT * short
        box = ((w - keep) // 2, 0, (w - keep) // 2 + keep, h) if w > h else (0, (h - keep) // 2, w, (h - keep) // 2 + keep)
        image = image.crop(box)
        w, h = image.size
        long = keep
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (new_w, new_h) != (w, h):
        image = image.resize((new_w, new_h), resample)
    left = int(round((new_w - size) / 2.0))
    top = int(round((new_h - size) / 2.0))
    if (new_w, new_h) != (size, size):
        image = image.crop((left, top, left + size, top + size))
    return image


def to_tensor(image: Image.Image, mean: tuple[float, ...], std: tuple[float, ...]) -> np.ndarray:
    """RGB image -> normalised float32 array [3, H, W]."""
    arr: np.ndarray = np.asarray(image.convert("RGB"), dtype=np.float32) / np.float32(255.0)
    arr = (arr - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return np.ascontiguousarray(arr.transpose(2, 0, 1), dtype=np.float32)


def preprocess(image: Image.Image, config: ModelConfig) -> np.ndarray:
    """A decoded RGB image -> the model's input tensor [3, S, S] (float32)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    image = resize_and_crop(
        image, config.image_size, interpolation=config.interpolation, resize_mode=config.resize_mode
    )
    return to_tensor(image, config.mean, config.std)
