"""Content hash and metadata of a media file, read without decoding the pixels."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image

from .decode import register_heif

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132


@dataclass(frozen=True)
class MediaMeta:
    """What we keep of a file's metadata, for filters and the preview."""

    media_type: str = "image"
    width: int | None = None
    height: int | None = None
    taken_at: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    duration_s: float | None = None  # videos


def content_hash(path: Path | str) -> str:
    """blake2b-128 of the whole file: equal content, equal hash (moves and duplicates)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text[:200] or None


def _exif_time(value: object) -> float | None:
    text = _text(value)
    if not text:
        return None
    for fmt in ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d"):
        try:
            return datetime.strptime(text[:19], fmt).timestamp()
        except ValueError:
            continue
    return None


def _gps_degrees(values: object, ref: object) -> float | None:
    try:
        d, m, s = (float(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60.0 + s / 3600.0
    if _text(ref) in ("S", "W"):
        deg = -deg
    return round(deg, 7) if -180.0 <= deg <= 180.0 else None


def read_metadata(path: Path | str, *, fallback_time: float | None = None) -> MediaMeta:
    """Dimensions (as displayed), date taken (EXIF, else `fallback_time`), camera, GPS.

    Raises the Pillow/OS error if the file is not an image at all; broken EXIF only
    loses the EXIF fields.
    """
    register_heif()  # HEIC/HEIF (iPhone photos): the opener must exist in this process too
    with Image.open(path) as image:
        width, height = image.size
        taken = make = model = lat = lon = None
        try:
            exif = image.getexif()
            if exif.get(_ORIENTATION) in (5, 6, 7, 8):
                width, height = height, width
            sub = exif.get_ifd(_EXIF_IFD)
            taken = _exif_time(sub.get(_DATETIME_ORIGINAL)) or _exif_time(exif.get(_DATETIME))
            make, model = _text(exif.get(0x010F)), _text(exif.get(0x0110))
            gps = exif.get_ifd(_GPS_IFD)
            if gps:
                lat = _gps_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
                lon = _gps_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
        except Exception as exc:  # broken EXIF is common; the picture itself is still fine
            log.debug("unreadable EXIF in %s: %s", path, exc)
    return MediaMeta(
        media_type="image", width=width, height=height, taken_at=taken or fallback_time,
        camera_make=make, camera_model=model, gps_lat=lat, gps_lon=lon,
    )


def read_video_metadata(path: Path | str, *, fallback_time: float | None = None) -> MediaMeta:
    """Displayed size, duration and creation time of a video (raises DecodeError)."""
    from .video import probe

    info = probe(path)
    return MediaMeta(
        media_type="video", width=info.width, height=info.height,
        taken_at=info.created_at or fallback_time, duration_s=round(info.duration_s, 3),
    )


def read_media_metadata(path: Path | str, *, fallback_time: float | None = None) -> MediaMeta:
    """Images through Pillow, videos through FFmpeg (by extension)."""
    from .video import is_video_path

    if is_video_path(path):
        return read_video_metadata(path, fallback_time=fallback_time)
    return read_metadata(path, fallback_time=fallback_time)
