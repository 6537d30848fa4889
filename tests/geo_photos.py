"""Pictures with a GPS position and a date taken in their EXIF (Pillow writes it), for the
places and time-in-words tests."""

from __future__ import annotations

from pathlib import Path

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

CITIES = {  # (lat, lon) of a point in the centre
    "Lisbon": (38.7223, -9.1393),
    "Porto": (41.1496, -8.6110),
    "Paris": (48.8566, 2.3522),
    "Tokyo": (35.6895, 139.6917),
    "Sydney": (-33.8688, 151.2093),
    "New York": (40.7580, -73.9855),
}


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    s = round(((value - d) * 60 - m) * 60, 4)
    return IFDRational(d, 1), IFDRational(m, 1), IFDRational(int(s * 10000), 10000)


def exif_for(position: tuple[float, float] | None = None, taken: str | None = None, *,
             refs: bool = True) -> Image.Exif:
    """EXIF with a GPS position (None: none) and a DateTimeOriginal ("2019:06:15 12:00:00");
    `refs=False` leaves out the N/S and E/W references (a broken writer)."""
    exif = Image.Exif()
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken
    if position is not None:
        lat, lon = position
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitude] = _dms(lat)
        gps[ExifTags.GPS.GPSLongitude] = _dms(lon)
        if refs:
            gps[ExifTags.GPS.GPSLatitudeRef] = "N" if lat >= 0 else "S"
            gps[ExifTags.GPS.GPSLongitudeRef] = "E" if lon >= 0 else "W"
    return exif


def save_with_exif(image: Image.Image, path: Path, position: tuple[float, float] | None = None,
                   taken: str | None = None, *, refs: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.convert("RGB").save(path, "JPEG", quality=90, exif=exif_for(position, taken, refs=refs))
    return path
