"""Libraries indexed before xxh3 (blake2b content hashes) keep working after the upgrade:
nothing is re-hashed or re-embedded, and moved or copied files still find their item."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from photolens.core.library import Library
from photolens.core.media.hashing import (
    PREFIX,
    content_hash,
    content_hashes,
    is_legacy,
    legacy_content_hash,
)
from photolens.core.query.model import SearchQuery
from tests.helpers import make_image


def _open(tmp_path: Path, model: Path) -> Library:
    library = Library.open(tmp_path / "data", model_path=model, models_dir=tmp_path / "models")
    library.apply_settings(library.settings.with_changes(collapse_duplicates=False))
    return library


def _as_before_xxh3(lib: Library) -> None:
    """Rewrite the catalog as a Photolens from before xxh3 left it: blake2b hashes, no items.size."""
    conn = lib.catalog.conn
    with conn:
        for fid, path, digest in conn.execute("SELECT id, path, hash FROM files").fetchall():
            old = legacy_content_hash(path)
            conn.execute("UPDATE items SET hash = ? WHERE hash = ?", (old, digest))
            conn.execute("UPDATE files SET hash = ? WHERE id = ?", (old, fid))
        conn.execute("ALTER TABLE items DROP COLUMN size")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_item_sizes'")


def _hashes(lib: Library) -> dict[str, str]:
    return dict(lib.catalog.conn.execute("SELECT path, hash FROM files").fetchall())


@pytest.fixture
def upgraded(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path):  # noqa: ANN201 - a Library
    """A library indexed with blake2b hashes, opened by this version."""
    old = _open(tmp_path, tiny_model_dir)
    old.add_folder(photo_dir)
    assert old.index().embedded == 12
    _as_before_xxh3(old)
    old.close()
    library = _open(tmp_path, tiny_model_dir)
    yield library
    library.close()


def test_upgrade_re_hashes_and_re_embeds_nothing(upgraded: Library) -> None:
    before = _hashes(upgraded)
    report = upgraded.index()
    assert (report.embedded, report.reused, report.new, report.changed) == (0, 0, 0, 0)
    assert report.unchanged == 12
    assert _hashes(upgraded) == before and all(is_legacy(h) for h in before.values())
    assert upgraded.catalog.count_embeddings(upgraded.model_id) == 12


def test_a_file_moved_after_the_upgrade_keeps_its_vector(upgraded: Library, photo_dir: Path) -> None:
    src, dst = photo_dir / "home" / "p01.png", photo_dir / "elsewhere" / "p01.png"
    item = upgraded.search(SearchQuery(image=src, limit=1)).hits[0].item_id
    dst.parent.mkdir()
    shutil.copy2(src, dst)  # a move across disks: a new inode, so only the content can tell
    src.unlink()
    report = upgraded.index()
    assert report.embedded == 0 and report.reused == 1
    assert upgraded.catalog.count_embeddings(upgraded.model_id) == 12
    hit = upgraded.search(SearchQuery(image=dst, limit=1)).hits[0]
    assert hit.path == str(dst) and hit.item_id == item
    assert _hashes(upgraded)[str(dst)] == legacy_content_hash(dst)


def test_a_copy_of_a_picture_indexed_before_is_its_duplicate(upgraded: Library, photo_dir: Path) -> None:
    original = photo_dir / "home" / "p01.png"
    shutil.copy(original, photo_dir / "copy-of-p01.png")
    report = upgraded.index()
    assert report.embedded == 0 and report.reused == 1
    hit = upgraded.search(SearchQuery(image=photo_dir / "copy-of-p01.png", limit=1)).hits[0]
    assert {hit.path, *hit.duplicates} == {str(original), str(photo_dir / "copy-of-p01.png")}


def test_new_pictures_get_the_new_hash(upgraded: Library, photo_dir: Path) -> None:
    same_size = photo_dir / "home" / "p01.png"
    twin = photo_dir / "new" / "same-size.png"  # the size of a picture hashed the old way
    twin.parent.mkdir()
    data = bytearray(same_size.read_bytes())
    data[-13] ^= 0xFF  # other content (a byte of the PNG's end), the same size
    twin.write_bytes(bytes(data))
    fresh = make_image(photo_dir / "new" / "fresh.png", (10, 250, 250), seed=77)
    report = upgraded.index()
    assert report.new == 2
    hashes = _hashes(upgraded)
    assert hashes[str(fresh)] == content_hash(fresh) and hashes[str(fresh)].startswith(PREFIX)
    assert hashes[str(twin)] == content_hash(twin)


def test_a_fresh_library_hashes_with_xxh3_only(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    assert all(h.startswith(PREFIX) for h in _hashes(lib).values())
    assert lib.catalog.legacy_sizes() == set()


def test_one_read_gives_both_hashes(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(os.urandom(3_000_001))
    new, old = content_hashes(path, legacy=True)
    assert (new, old) == (content_hash(path), legacy_content_hash(path))
    assert content_hashes(path) == (new, None)
    assert not is_legacy(new) and is_legacy(old)


def test_a_new_model_re_embeds_old_hashed_pictures_into_their_own_items(upgraded: Library) -> None:
    from tests.conftest import ORACLE_DIR

    items = {r[0] for r in upgraded.catalog.conn.execute("SELECT id FROM items")}
    before = _hashes(upgraded)
    upgraded.use_model(path=ORACLE_DIR)
    assert upgraded.index().embedded == 12
    assert {r[0] for r in upgraded.catalog.conn.execute("SELECT id FROM items")} == items  # no new items
    assert _hashes(upgraded) == before  # unchanged content keeps its stored hash
    assert upgraded.catalog.count_embeddings(upgraded.model_id) == 12 and upgraded.switch_status() is None
    hits = upgraded.search(SearchQuery(text="a red circle", limit=50, collapse_duplicates=False)).hits
    assert {h.path for h in hits} == set(before)
