"""Video files: probe their metadata and sample frames with timestamps (PyAV / FFmpeg).

A video becomes several items, one per sampled frame (`frame_ms` in the catalog). The
first frame is always at 0 ms, so "is this content already embedded" stays one lookup.
Every failure becomes a DecodeError with a reason a person can read.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from ..errors import DecodeError
from .decode import MAX_PIXELS

log = logging.getLogger(__name__)

VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".3gp", ".mts", ".m2ts", ".mpg", ".mpeg", ".wmv"}
)

# One frame every MIN_INTERVAL_S at most, and never more than MAX_FRAMES per video: a
# 30 s phone clip gives 15 frames (every 2 s), a 2 h film 48 (one every 2.5 min).
MAX_FRAMES = 48
MIN_INTERVAL_S = 2.0
# Frames decoded after a seek while looking for one timestamp (keyframes far apart).
MAX_DECODE_PER_TARGET = 900


@dataclass(frozen=True)
class VideoInfo:
    """What the container says, with the size as displayed (rotation applied)."""

    width: int
    height: int
    duration_s: float
    created_at: float | None
    rotation: int


def is_video_path(path: Path | str) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def sample_times(duration_s: float, *, max_frames: int = MAX_FRAMES, min_interval_s: float = MIN_INTERVAL_S) -> list[float]:
    """Evenly spaced timestamps (seconds), starting at 0."""
    if not math.isfinite(duration_s) or duration_s <= 0:
        return [0.0]
    n = max(1, min(max_frames, math.ceil(duration_s / min_interval_s - 1e-9)))
    return [i * duration_s / n for i in range(n)]


@contextmanager
def _open(path: Path | str) -> Iterator[tuple[object, object]]:
    import av

    try:
        with av.open(str(path), mode="r") as container:
            if not container.streams.video:
                raise DecodeError("no video track (an audio-only file?)")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            yield container, stream
    except DecodeError:
        raise
    except FileNotFoundError as exc:
        raise DecodeError("file disappeared before it could be read") from exc
    except PermissionError as exc:
        raise DecodeError("permission denied") from exc
    except (av.FFmpegError, OSError, ValueError, MemoryError, EOFError) as exc:
        raise DecodeError(f"cannot decode video: {exc}") from exc


def _created_at(metadata: dict[str, str]) -> float | None:
    text = (metadata.get("creation_time") or "").strip()
    if not text:
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return stamp if stamp > 86400 else None  # 1970-01-01 is "unset" in many cameras


def _upright(frame: object, rotation: int, min_side: int | None) -> Image.Image:
    w, h = frame.width, frame.height  # type: ignore[attr-defined]
    if w * h > MAX_PIXELS:
        raise DecodeError(f"video frame too large ({w}x{h} pixels)")
    if min_side and min(w, h) > min_side:
        scale = min_side / min(w, h)
        image = frame.to_image(width=max(1, round(w * scale)), height=max(1, round(h * scale)))  # type: ignore[attr-defined]
    else:
        image = frame.to_image()  # type: ignore[attr-defined]
    turn = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    step = turn.get(rotation % 360)
    return (image.transpose(step) if step else image).convert("RGB")


def _rotation(frame: object) -> int:
    try:
        return int(round(float(frame.rotation or 0)))  # type: ignore[attr-defined]
    except (TypeError, ValueError, AttributeError):
        return 0


def probe(path: Path | str) -> VideoInfo:
    """Size, duration, creation time and rotation (decodes the first frame only)."""
    with _open(path) as (container, stream):
        first = next(iter(container.decode(stream)), None)  # type: ignore[attr-defined]
        if first is None:
            raise DecodeError("the video has no frames")
        rotation = _rotation(first)
        w, h = first.width, first.height
        if rotation % 180 == 90:
            w, h = h, w
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:  # type: ignore[attr-defined]
            duration = float(stream.duration * stream.time_base)  # type: ignore[attr-defined]
        elif container.duration is not None:  # type: ignore[attr-defined]
            duration = container.duration / 1_000_000  # type: ignore[attr-defined]
        created = _created_at(dict(container.metadata)) or _created_at(dict(stream.metadata))  # type: ignore[attr-defined]
        return VideoInfo(int(w), int(h), max(0.0, duration), created, rotation)


def sample_frames(
    path: Path | str, times_s: Sequence[float] | None = None, *, min_side: int | None = None
) -> list[tuple[int, Image.Image]]:
    """Upright RGB frames at (or just after) each timestamp, as (frame_ms, image).

    `frame_ms` is the requested timestamp in ms (the first is 0), so it is stable across
    runs. Timestamps past the end are skipped; a video with no decodable frame raises.
    """
    if times_s is None:
        times_s = sample_times(probe(path).duration_s)
    out: list[tuple[int, Image.Image]] = []
    with _open(path) as (container, stream):
        base = stream.time_base  # type: ignore[attr-defined]
        start = stream.start_time or 0  # type: ignore[attr-defined]
        for t in sorted(times_s):
            ms = int(round(t * 1000))
            if out and ms <= out[-1][0]:
                continue
            if t > 0 and base is not None:
                container.seek(int(start + t / base), stream=stream, backward=True)  # type: ignore[attr-defined]
            frame = _frame_at(container, stream, t)
            if frame is None:
                break  # past the end (the container's duration was optimistic)
            out.append((ms, _upright(frame, _rotation(frame), min_side)))
    if not out:
        raise DecodeError("the video has no frames")
    return out


def _frame_at(container: object, stream: object, t: float) -> object | None:
    """The first decoded frame at or after t (seconds from the stream start)."""
    start = float((stream.start_time or 0) * stream.time_base) if stream.time_base else 0.0  # type: ignore[attr-defined]
    last = None
    for i, frame in enumerate(container.decode(stream)):  # type: ignore[attr-defined]
        last = frame
        if frame.time is None or frame.time - start >= t - 1e-3 or i >= MAX_DECODE_PER_TARGET:
            return frame
    return last if t == 0 else None


def read_frame(path: Path | str, frame_ms: int = 0, *, min_side: int | None = None) -> Image.Image:
    """One upright frame (thumbnails and the preview of a video hit)."""
    return sample_frames(path, [frame_ms / 1000], min_side=min_side)[0][1]
