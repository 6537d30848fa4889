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


def make_video(path: Path, scenes: list[Image.Image], *, seconds_each: float = 3.0, fps: int = 10,
               rotation: int = 0, creation_time: str | None = None, codec: str = "libx264") -> Path:
    """A video (H.264 unless `codec` says otherwise; the container follows the file name)
    showing each scene in turn for `seconds_each` (PyAV, the app's own decoder)."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = scenes[0].size
    with av.open(str(path), mode="w") as out:
        if creation_time:
            out.metadata["creation_time"] = creation_time
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = w - w % 2, h - h % 2
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.options = {"g": str(fps * 2)}  # a keyframe every 2 s: seeking is exercised
        if rotation:
            stream.set_display_rotation(rotation)
        for scene in scenes:
            frame_image = scene.convert("RGB").resize((stream.width, stream.height))
            for _ in range(int(seconds_each * fps)):
                out.mux(stream.encode(av.VideoFrame.from_image(frame_image)))
        out.mux(stream.encode(None))
    return path


def scene(colour: tuple[int, int, int], size: tuple[int, int] = (96, 72), shape: str = "circle", seed: int = 0) -> Image.Image:
    """make_image's picture, in memory."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = make_image(Path(tmp) / "s.png", colour, size, shape, seed)
        return Image.open(p).convert("RGB")


def hash_or_hang(file, legacy: bool = False):  # noqa: ANN001, ANN201 - FileRecord -> _Hashed
    """The indexer's hash-and-metadata job, except that files named stuck-read* never finish
    (for tests of a reader that hangs). Runs in a worker process, found there by name."""
    import time

    from photolens.core.indexer import _hash_and_meta

    if Path(file.path).name.startswith("stuck-read"):
        time.sleep(3600)
    return _hash_and_meta(file, legacy)
