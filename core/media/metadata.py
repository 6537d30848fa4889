"""Content hash and metadata of a media file, read without decoding the pixels."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import ExifTags, Image

from ..places.position import checked_position, exif_degrees
from .decode import register_heif
from .hashing import content_hash as content_hash  # its home before core/media/hashing.py

log = logging.getLogger(__name__)

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
EARLIEST_TAKEN = datetime(1900, 1, 1).timestamp()  # a "date taken" before this is a camera's unset clock
FUTURE_SLACK_S = 2 * 86400  # time zones and clocks a little ahead: a later date is wrong


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


def checked_time(stamp: float | None, *, source: object = "") -> float | None:
    """A date taken, if it can be right: from 1900 to today (a clock never set, a year typed
    wrong); otherwise None, with the reason logged (the file's own date stands in)."""
    if stamp is None:
        return None
    if stamp < EARLIEST_TAKEN:
        log.info("date taken of %s ignored: before 1900 (%s)", source or "a file", stamp)
        return None
    if stamp > time.time() + FUTURE_SLACK_S:
        log.info("date taken of %s ignored: in the future (%s)", source or "a file", stamp)
        return None
    return stamp


def _gps(gps: dict[int, object], source: object) -> tuple[float | None, float | None]:
    lat = exif_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S")
    lon = exif_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W")
    if (lat is None or lon is None) and (ExifTags.GPS.GPSLatitude in gps or ExifTags.GPS.GPSLongitude in gps):
        log.info("GPS position of %s ignored: unreadable, or without its N/S or E/W reference", source)
        return None, None
    position = checked_position(lat, lon, source=source)
    return position if position else (None, None)


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
            taken = checked_time(_exif_time(sub.get(_DATETIME_ORIGINAL)) or _exif_time(exif.get(_DATETIME)),
                                 source=path)
            make, model = _text(exif.get(0x010F)), _text(exif.get(0x0110))
            gps = exif.get_ifd(_GPS_IFD)
            if gps:
                lat, lon = _gps(gps, path)
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
    position = checked_position(*info.location, source=path) if info.location else None
    return MediaMeta(
        media_type="video", width=info.width, height=info.height,
        taken_at=checked_time(info.created_at, source=path) or fallback_time, duration_s=round(info.duration_s, 3),
        gps_lat=position[0] if position else None, gps_lon=position[1] if position else None,
    )


def read_media_metadata(path: Path | str, *, fallback_time: float | None = None) -> MediaMeta:
    """Images through Pillow, videos through FFmpeg (by extension)."""
    from .video import is_video_path

    if is_video_path(path):
        return read_video_metadata(path, fallback_time=fallback_time)
    return read_metadata(path, fallback_time=fallback_time)
