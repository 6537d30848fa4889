"""The Embedder protocol: images and texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from .model_files import ModelConfig


@runtime_checkable
class Embedder(Protocol):
    """A CLIP-style dual encoder. Every vector it returns is float32 and L2-normalised."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def config(self) -> ModelConfig: ...

    def embed_images(self, images: list[Image.Image]) -> np.ndarray: ...

    def embed_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Already preprocessed input [n, 3, S, S] -> [n, dim]."""
        ...

    def embed_texts(self, texts: list[str]) -> np.ndarray: ...


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-12)
