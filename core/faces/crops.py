"""A face's thumbnail: its box, with some room around it, cut from the picture or frame."""

from __future__ import annotations

from PIL import Image

MARGIN = 0.35  # of the box's size, on each side: forehead, chin and a little hair


def face_crop(path: str, box: tuple[float, float, float, float], size: int = 96, *,
              media_type: str | None = "image", frame_ms: int = 0) -> Image.Image:
    """A square RGB crop of the face, `size` pixels wide (DecodeError if the file went bad)."""
    if media_type == "video":
        from ..media.video import read_frame

        image = read_frame(path, frame_ms, min_side=size * 4)
    else:
        from ..media.decode import open_image

        image = open_image(path, min_side=size * 4)
    w, h = image.size
    left, top, bw, bh = box
    side = max(bw * w, bh * h) * (1 + 2 * MARGIN)
    cx, cy = (left + bw / 2) * w, (top + bh / 2) * h
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(w, int(cx + side / 2)), min(h, int(cy + side / 2))
    crop = image.crop((x0, y0, max(x0 + 1, x1), max(y0 + 1, y1)))
    crop.thumbnail((size, size), Image.Resampling.LANCZOS)
    return crop
