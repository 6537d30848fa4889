"""Metadata kept for filters and the preview: dimensions, date taken, camera, GPS."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PIL import Image

from photolens.core.media.metadata import content_hash, read_metadata


def test_exif_date_camera_and_gps(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS 5D"
    exif.get_ifd(0x8769)[0x9003] = "2019:07:14 18:30:05"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.0)
    gps[3], gps[4] = "W", (2.0, 17.0, 40.0)
    path = tmp_path / "exif.jpg"
    Image.new("RGB", (80, 60), (1, 2, 3)).save(path, exif=exif.tobytes())
    meta = read_metadata(path, fallback_time=0.0)
    assert (meta.width, meta.height) == (80, 60)
    assert meta.taken_at == datetime(2019, 7, 14, 18, 30, 5).timestamp()
    assert (meta.camera_make, meta.camera_model) == ("Canon", "EOS 5D")
    assert meta.gps_lat is not None and abs(meta.gps_lat - 48.8581) < 1e-3
    assert meta.gps_lon is not None and abs(meta.gps_lon + 2.2944) < 1e-3


def test_without_exif_the_file_time_is_used(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.new("RGB", (10, 10)).save(path)
    meta = read_metadata(path, fallback_time=1234.5)
    assert meta.taken_at == 1234.5 and meta.camera_make is None and meta.gps_lat is None


def test_equal_content_equal_hash(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 3_000_000)
    (tmp_path / "b").write_bytes(b"x" * 3_000_000)
    (tmp_path / "c").write_bytes(b"x" * 2_999_999 + b"y")
    assert content_hash(tmp_path / "a") == content_hash(tmp_path / "b") != content_hash(tmp_path / "c")
