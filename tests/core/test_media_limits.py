"""Pictures that must index: iPhone HEIC through the CLI, 92-108 MP phone photos, extreme strips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

ORACLE = Path(__file__).resolve().parents[1] / "fixtures" / "models" / "oracle"


def _index(data: Path, folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "index", str(folder),
                          "--model-path", str(ORACLE), "--json"], capture_output=True, text=True, timeout=300,
                         env={**os.environ})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_heic_indexes_through_the_cli_in_a_fresh_process(tmp_path: Path) -> None:
    """The metadata read runs in the CLI's own process, where nothing registered the HEIF opener."""
    pillow_heif = pytest.importorskip("pillow_heif")
    folder = tmp_path / "iphone"
    folder.mkdir()
    pillow_heif.register_heif_opener()  # to write the file; the CLI below is another process
    Image.new("RGB", (120, 90), (200, 30, 30)).save(folder / "IMG_0001.HEIC")
    report = _index(tmp_path / "data", folder)
    assert report["embedded"] == 1 and report["errors"] == 0


def test_a_108_megapixel_photo_is_not_a_bomb(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    Image.new("RGB", (12000, 9000), (30, 120, 200)).save(folder / "108mp.jpg", quality=50)  # 108 MP
    report = _index(tmp_path / "data", folder)
    assert report["embedded"] == 1 and report["errors"] == 0


PROBE = """
import resource, sys
from photolens.core.embed.model_files import ModelFolder
from photolens.core.media.workers import DecodeJob, decode_for_model
config = ModelFolder.load(sys.argv[2]).config
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = decode_for_model(DecodeJob(sys.argv[1], config))
print(type(out).__name__, getattr(out, "shape", None), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource module")
@pytest.mark.parametrize("size", [(100_000, 1), (1, 100_000), (60_000, 20)])
def test_an_extreme_strip_decodes_in_little_memory(tmp_path: Path, size: tuple[int, int]) -> None:
    path = tmp_path / "strip.png"
    Image.new("RGB", size, (250, 10, 10)).save(path)
    out = subprocess.run([sys.executable, "-c", PROBE, str(path), str(ORACLE)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    kind, shape, grown_mib = out.stdout.split(" ", 2)[0], out.stdout.split("(")[1].split(")")[0], out.stdout.split()[-1]
    assert kind == "ndarray" and shape.replace(" ", "") == "3,64,64"  # the oracle's input size
    assert int(grown_mib) < 100  # it took 1.9 GB before the middle was cropped first
