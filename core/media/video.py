"""Video files: probe their metadata and sample frames with timestamps (PyAV / FFmpeg).

A video becomes several items, one per sampled frame (`frame_ms` in the catalog). The
first frame is always at 0 ms, so "is this content already embedded" stays one lookup.
Every failure becomes a DecodeError with a reason a person can read.
"""

from __future__ import annotations

import errno
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
# Where to seek for a frame at t when the container's seek overshoots: t, then earlier.
SEEK_BACKOFF_S = (0.0, 3.0, 15.0, 60.0, math.inf)


@dataclass(frozen=True)
class VideoInfo:
    """What the container says, with the size as displayed (rotation applied)."""

    width: int
    height: int
    duration_s: float
    created_at: float | None
    rotation: int
    location: tuple[float, float] | None = None  # ISO 6709 from the container (phones), unchecked


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
        if exc.errno == errno.EACCES:
            raise DecodeError("permission denied") from exc
        # EPERM from FFmpeg is "operation not permitted" on the stream (a seek in a raw
        # stream, say), not the file's permissions
        raise DecodeError(f"cannot decode video: {exc}") from exc
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


def _location(metadata: dict[str, str]) -> tuple[float, float] | None:
    """Where a phone says the video was taken (QuickTime's ISO 6709 string)."""
    from ..places.position import parse_iso6709

    for key in ("com.apple.quicktime.location.ISO6709", "location", "location-eng"):
        if metadata.get(key):
            return parse_iso6709(metadata[key])
    return None


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
        tags = {**dict(stream.metadata), **dict(container.metadata)}  # type: ignore[attr-defined]
        created = _created_at(dict(container.metadata)) or _created_at(dict(stream.metadata))  # type: ignore[attr-defined]
        return VideoInfo(int(w), int(h), max(0.0, duration), created, rotation, _location(tags))


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
    seekable = True
    with _open(path) as (container, stream):
        for t in sorted(times_s):
            ms = int(round(t * 1000))
            if out and ms <= out[-1][0]:
                continue
            try:
                frame = _seek_frame(container, stream, t)
            except PermissionError as exc:  # FFmpeg's EPERM: this stream cannot seek (raw H.264)
                log.debug("%s cannot seek (%s): reading it from the start", path, exc)
                seekable = False
                break
            except (OSError, EOFError, ValueError) as exc:
                if not out:
                    raise
                # a truncated file: the frames before the damage are kept
                log.info("%s: frames after %d ms do not decode (%s)", path, out[-1][0], exc)
                break
            if frame is None:
                break  # past the end (the container's duration was optimistic)
            out.append((ms, _upright(frame, _rotation(frame), min_side)))
    if not seekable:
        out = _frames_in_order(path, sorted(times_s), min_side)
    if not out:
        raise DecodeError("the video has no frames")
    return out


def _frames_in_order(path: Path | str, times_s: Sequence[float], min_side: int | None) -> list[tuple[int, Image.Image]]:
    """For streams that cannot seek: decode from the start, keeping the first frame at or
    after each time (raw streams carry no timestamps: frame number / frame rate)."""
    out: list[tuple[int, Image.Image]] = []
    with _open(path) as (container, stream):
        # a raw stream's average_rate is FFmpeg's default (25); guessed_rate reads the stream
        rate = float(getattr(stream, "guessed_rate", None) or getattr(stream, "average_rate", None) or 25)
        k = 0
        try:
            for i, frame in enumerate(container.decode(stream)):  # type: ignore[attr-defined]
                t = frame.time if frame.time is not None else i / rate
                while k < len(times_s) and t + 1e-3 >= times_s[k]:
                    ms = int(round(times_s[k] * 1000))
                    if not out or ms > out[-1][0]:
                        out.append((ms, _upright(frame, _rotation(frame), min_side)))
                    k += 1
                if k >= len(times_s) or i >= MAX_DECODE_PER_TARGET * len(times_s):
                    break
        except (OSError, EOFError, ValueError) as exc:
            if not out:
                raise
            log.info("%s: decoding stopped after %d ms (%s)", path, out[-1][0], exc)
    return out


def _seek_frame(container: object, stream: object, t: float) -> object | None:
    """The first frame at or after t (seconds from the stream start). Seeking lands on a
    keyframe before t in most containers; some (MPEG-TS) land after it, so when the first
    frame decoded is already past t the seek is retried further back, last from the start."""
    base = stream.time_base  # type: ignore[attr-defined]
    start_pts = stream.start_time or 0  # type: ignore[attr-defined]
    start = float(start_pts * base) if base else 0.0
    for back in SEEK_BACKOFF_S:
        target = max(0.0, t - back)
        if target > 0 and base is not None:
            container.seek(int(start_pts + target / base), stream=stream, backward=True)  # type: ignore[attr-defined]
        else:
            container.seek(0, stream=stream, backward=True)  # type: ignore[attr-defined]
        first = True
        for i, frame in enumerate(container.decode(stream)):  # type: ignore[attr-defined]
            late = frame.time is not None and frame.time - start > t + 1e-3
            if first and late and target > 0:
                break  # landed after t: go further back
            first = False
            if frame.time is None or not frame.time - start < t - 1e-3 or i >= MAX_DECODE_PER_TARGET:
                return frame
        else:
            if first and target > 0:
                continue  # nothing at all after the seek: go further back
            return None  # the stream ended before t
    return None


def read_frame(path: Path | str, frame_ms: int = 0, *, min_side: int | None = None) -> Image.Image:
    """One upright frame (thumbnails and the preview of a video hit)."""
    return sample_frames(path, [frame_ms / 1000], min_side=min_side)[0][1]
