"""torch + open_clip backend: GPU inference (fp16 on CUDA, bigger batches), same vectors as ONNX.

Needs the torch extra. torch and open_clip are imported only when this backend is built.
Its model_id equals the ONNX export's for the same weights, so both fill the same index.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from PIL import Image

from ..errors import ExportError, ModelNotFoundError
from .base import l2_normalize
from .model_files import ModelConfig
from .preprocess import preprocess

log = logging.getLogger(__name__)

GPU_BATCH = 128
CPU_BATCH = 16


def choose_device(preferred: str | None = None) -> str:
    """'cuda' if a CUDA GPU is usable, else 'mps' on Apple silicon, else 'cpu' (override wins)."""
    import torch

    if preferred and preferred != "auto":
        return preferred
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


class TorchEmbedder:
    """CLIP towers on torch; on CUDA in float16."""

    def __init__(self, model: Any, config: ModelConfig, *, device: str | None = None, tokenizer: Any = None):
        import torch

        self._torch = torch
        self._config = config
        self.device = choose_device(device)
        self.half = self.device == "cuda"
        self.model = model.eval().to(self.device)
        if self.half:
            self.model = self.model.half()
        self.batch_size = GPU_BATCH if self.device != "cpu" else CPU_BATCH
        if tokenizer is None:
            import open_clip

            tokenizer = open_clip.get_tokenizer(config.name) if config.name in open_clip.list_models() \
                else open_clip.tokenizer.SimpleTokenizer()
        self._tokenizer = tokenizer
        self._lock = threading.Lock()
        log.info("torch backend on %s (%s)", self.device, "fp16" if self.half else "fp32")

    @classmethod
    def from_pretrained(cls, config: ModelConfig, *, device: str | None = None) -> TorchEmbedder:
        """open_clip weights named by the model folder's config (name + pretrained tag)."""
        try:
            import open_clip
        except ImportError as exc:
            raise ExportError("The torch backend needs the torch extra: pip install 'photolens[torch]'") from exc
        if not config.pretrained:
            raise ModelNotFoundError(f"{config.model_id} has no open_clip weights tag; use the ONNX backend")
        try:
            model = open_clip.create_model(config.name, pretrained=config.pretrained)
        except Exception as exc:
            raise ModelNotFoundError(f"Cannot load open_clip weights {config.model_id}: {exc}") from exc
        return cls(model, config, device=device)

    @property
    def model_id(self) -> str:
        return self._config.model_id

    @property
    def dim(self) -> int:
        return self._config.dim

    @property
    def config(self) -> ModelConfig:
        return self._config

    def _run(self, fn: Any, x: Any) -> np.ndarray:
        torch = self._torch
        outs = []
        with self._lock, torch.inference_mode():
            for i in range(0, len(x), self.batch_size):
                chunk = x[i : i + self.batch_size].to(self.device)
                if self.half and chunk.is_floating_point():
                    chunk = chunk.half()
                outs.append(fn(chunk).float().cpu().numpy())
        return l2_normalize(np.concatenate(outs, axis=0))

    def embed_pixels(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._run(self.model.encode_image, self._torch.from_numpy(np.ascontiguousarray(pixels, dtype=np.float32)))

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_pixels(np.stack([preprocess(im, self._config) for im in images]))

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = self._tokenizer(texts, context_length=self._config.context_length)
        return self._run(self.model.encode_text, tokens)
