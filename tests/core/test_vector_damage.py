"""A damaged vector index is found before usearch reads it, and rebuilt from the catalog.

Without the check, 4 KB of random bytes in the graph half of the file made the next
`photolens index` crash (segmentation fault), hang or run out of memory (issue 13).
"""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import numpy as np

from photolens.core.library import Library
from photolens.core.vectors import VectorStore, verify_saved
from tests.helpers import make_image


def _damage(path: Path, seed: int) -> None:
    data = bytearray(path.read_bytes())
    rng = random.Random(seed)
    start = rng.randrange(len(data) // 2, len(data) - 4096)
    data[start:start + 4096] = bytes(rng.getrandbits(8) for _ in range(4096))
    path.write_bytes(bytes(data))


def test_a_saved_index_carries_its_digest_and_damage_is_detected(tmp_path: Path) -> None:
    store = VectorStore(tmp_path / "v.usearch", 32)
    store.add(np.arange(1, 501, dtype=np.uint64), np.random.default_rng(0).random((500, 32), dtype=np.float32))
    store.save()
    assert verify_saved(store.path) is None
    _damage(store.path, 1)
    assert "changed" in (verify_saved(store.path) or "")
    fresh = VectorStore(tmp_path / "v.usearch", 32)
    assert fresh.load(view=True) is False and len(fresh) == 0 and fresh.damaged
    assert not store.path.exists()  # the damaged file is gone; the catalog has every vector
    store.path.write_bytes(b"short")
    (tmp_path / "v.usearch.check").write_text('{"size": 99, "xxh3_64": "0"}')
    assert "bytes" in (verify_saved(store.path) or "")


def test_index_and_search_after_damage_rebuild_and_find_everything(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos = tmp_path / "photos"
    for i in range(40):
        make_image(photos / f"p{i:02d}.png", ((i * 37) % 255, (i * 91) % 255, (i * 13) % 255), seed=i)
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photos)
        lib.index()
    (index_file,) = data.glob("vectors-*.usearch")
    for seed in (1,):
        _damage(index_file, seed)
        cli = [sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data)]
        model = ["--model-path", str(tiny_model_dir)]
        more = photos / f"new{seed}.png"
        make_image(more, (seed * 60, 200, 10), seed=100 + seed)
        out = subprocess.run([*cli, "index", *model], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert "damaged" in out.stderr and "rebuilt from the catalog" in out.stderr
        out = subprocess.run([*cli, "search", "--image", str(more), "--json", *model],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert str(more.resolve()) in out.stdout.split('"path": "')[1]  # the new picture is first
        assert verify_saved(index_file) is None
    with Library.open(data, model_path=tiny_model_dir) as lib:
        assert len(lib.vectors) == 41
