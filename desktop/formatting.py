"""Human-readable text for numbers, sizes, dates and durations (no Qt)."""

from __future__ import annotations

from datetime import datetime


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 photo', '1,234 photos'."""
    word = noun if n == 1 else (plural or noun + "s")
    return f"{n:,} {word}"


def file_size(n_bytes: int | None) -> str:
    if n_bytes is None:
        return "unknown size"
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"  # pragma: no cover - loop returns


def duration(seconds: float | None) -> str:
    """'about 2 min', 'about 1 h 5 min', 'a few seconds'."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s < 10:
        return "a few seconds"
    if s < 60:
        return f"about {s} s"
    minutes = s // 60
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h {minutes % 60} min"


def clock(seconds: float | None) -> str:
    """A video position: '0:07', '12:30', '1:02:03'."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "?:??"
    s = int(seconds)
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def rate(per_second: float) -> str:
    if per_second <= 0:
        return ""
    if per_second < 10:
        return f"{per_second:.1f}/s"
    return f"{per_second:.0f}/s"


def taken_at(epoch: float | None) -> str:
    if epoch is None:
        return "unknown"
    try:
        return datetime.fromtimestamp(epoch).strftime("%d %b %Y, %H:%M")
    except (OverflowError, OSError, ValueError):
        return "unknown"


def dimensions(width: int | None, height: int | None) -> str:
    if not width or not height:
        return "unknown"
    megapixels = width * height / 1e6
    mp = f" ({megapixels:.1f} MP)" if megapixels >= 0.1 else ""
    return f"{width} × {height}{mp}"
