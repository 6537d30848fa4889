"""GPS positions as cameras and phones write them, checked before anything names them.

A position is kept only when it can be right: latitude within +-90 and longitude within
+-180, both hemispheres stated (an EXIF position without its N/S or E/W reference could be
in any of four places), not (0, 0) (the "no fix" placeholder of many cameras, in the
Gulf of Guinea), and finite. Anything else is dropped with a logged reason: no place is
better than a wrong one.
"""

from __future__ import annotations

import logging
import math
import re

log = logging.getLogger(__name__)

_NULL_ISLAND_DEG = 1e-4  # within ~10 m of (0, 0): the placeholder, not a real fix
# ISO 6709 as QuickTime/MP4 files carry it (`location`, `com.apple.quicktime.location.ISO6709`):
# "+38.7223-009.1393/", "+38.7223-009.1393+012.000/", degrees with a sign each
_ISO6709 = re.compile(r"^\s*([+-]\d{1,2}(?:\.\d+)?)([+-]\d{1,3}(?:\.\d+)?)(?:[+-]\d+(?:\.\d+)?)?(?:CRS[^/]*)?/?\s*$")


def checked_position(lat: float | None, lon: float | None, *, source: object = "") -> tuple[float, float] | None:
    """(lat, lon) rounded to 7 decimals (~1 cm) if it can be a real position, else None."""
    if lat is None or lon is None:
        return None
    why = position_problem(lat, lon)
    if why:
        log.info("GPS position (%s, %s) of %s ignored: %s", lat, lon, source or "a file", why)
        return None
    return round(float(lat), 7), round(float(lon), 7)


def position_problem(lat: float, lon: float) -> str | None:
    """Why (lat, lon) cannot be a real position, or None."""
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return "not a number"
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return "not a finite number"
    if not -90.0 <= lat <= 90.0:
        return "latitude out of range"
    if not -180.0 <= lon <= 180.0:
        return "longitude out of range"
    if abs(lat) < _NULL_ISLAND_DEG and abs(lon) < _NULL_ISLAND_DEG:
        return "(0, 0) is a camera's placeholder for no position"
    return None


def exif_degrees(values: object, ref: object, positive: str, negative: str) -> float | None:
    """EXIF degrees/minutes/seconds and their reference ("N"/"S", "E"/"W") as signed degrees;
    None when the reference is missing or unknown, or the numbers do not read."""
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    side = str(ref or "").replace("\x00", "").strip().upper()[:1]
    if side not in (positive, negative):
        return None
    try:
        d, m, s = (float(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(x) and x >= 0 for x in (d, m, s)) or m >= 60 or s >= 60:
        return None
    deg = d + m / 60.0 + s / 3600.0
    return -deg if side == negative else deg


def parse_iso6709(text: object) -> tuple[float, float] | None:
    """A video's ISO 6709 location string as (lat, lon), unchecked; None if it does not read."""
    match = _ISO6709.match(str(text or ""))
    if not match:
        return None
    return float(match.group(1)), float(match.group(2))
