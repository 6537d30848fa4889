"""Indexing and searching through the Library facade, with real files on disk."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from photolens.core.errors import LibraryLockedError, ModelNotFoundError, ReadOnlyError
from photolens.core.library import Library
from photolens.core.progress import Controls, IndexProgress
from photolens.core.query.model import SearchQuery
from tests.helpers import make_image


def _embedded_items(lib: Library) -> int:
    return lib.catalog.count_embeddings(lib.model_id)


def test_index_then_search_by_text_and_image(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    report = lib.index()
    assert report.embedded == 12 and report.errors == 0
    assert lib.status().indexed == 12  # the hidden folder was skipped
    results = lib.search("a red circle", limit=5)
    assert len(results.hits) == 5
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)
    example = photo_dir / "home" / "p05.png"
    by_image = lib.search(SearchQuery(image=example, limit=3))
    assert by_image.hits[0].path == str(example)  # an image is its own nearest neighbour
    assert by_image.hits[0].score == pytest.approx(1.0, abs=2e-3)


def test_second_run_over_unchanged_files_does_no_work(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    again = lib.index()
    assert (again.embedded, again.reused, again.new, again.changed) == (0, 0, 0, 0)
    assert again.unchanged == 12


def test_changed_file_is_re_embedded(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    target = photo_dir / "home" / "p01.png"
    before = lib.search(SearchQuery(image=target, limit=1)).hits[0]
    make_image(target, (250, 250, 250), size=(120, 80), shape="square", seed=99)
    report = lib.index()
    assert report.changed == 1 and report.embedded == 1
    after = lib.search(SearchQuery(image=target, limit=1)).hits[0]
    assert after.path == str(target) and after.item_id != before.item_id
    assert _embedded_items(lib) == 12  # the old content's vector was dropped


def test_moved_and_renamed_files_keep_their_vectors(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    items_before = _embedded_items(lib)
    shutil.move(photo_dir / "trip", photo_dir / "renamed-trip")
    (photo_dir / "home" / "p01.png").rename(photo_dir / "home" / "moved.png")
    report = lib.index()
    assert report.embedded == 0
    assert report.reused == 5 and report.deleted == 0  # matched by inode: rows follow the files
    assert _embedded_items(lib) == items_before
    hit = lib.search(SearchQuery(image=photo_dir / "home" / "moved.png", limit=1)).hits[0]
    assert hit.path == str(photo_dir / "home" / "moved.png")
    assert all("/trip/" not in h.path for h in lib.search("circle", limit=20).hits)


def test_deleted_files_leave_the_index(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    gone = photo_dir / "home" / "p02.jpg"
    gone.unlink()
    report = lib.index()
    assert report.deleted == 1
    assert lib.status().indexed == 11 and _embedded_items(lib) == 11 and len(lib.vectors) == 11
    assert str(gone) not in {h.path for h in lib.search("square", limit=50).hits}


def test_duplicates_are_embedded_once_and_listed(lib: Library, photo_dir: Path) -> None:
    shutil.copy(photo_dir / "home" / "p01.png", photo_dir / "copy-of-p01.png")
    lib.add_folder(photo_dir)
    report = lib.index()
    assert report.embedded == 12 and report.reused == 1
    hit = lib.search(SearchQuery(image=photo_dir / "copy-of-p01.png", limit=1)).hits[0]
    assert {hit.path, *hit.duplicates} == {str(photo_dir / "home" / "p01.png"), str(photo_dir / "copy-of-p01.png")}


def test_cancel_then_resume_embeds_each_file_once(lib: Library, photo_dir: Path) -> None:
    for i in range(40):
        make_image(photo_dir / "more" / f"m{i:02d}.png", (i * 6, 100, 200 - i * 4), seed=100 + i)
    lib.add_folder(photo_dir)
    lib.apply_settings(lib.settings.with_changes(batch_size=4))
    controls = Controls.new()
    seen: list[IndexProgress] = []

    def progress(p: IndexProgress) -> None:
        seen.append(p)
        if p.phase == "index" and p.done >= 8:
            controls.stop()

    first = lib.index(progress=progress, controls=controls)
    assert first.cancelled and 0 < first.embedded < 52
    assert lib.status().pending > 0
    second = lib.index()
    assert not second.cancelled
    assert first.embedded + second.embedded == 52
    assert lib.status().pending == 0 and _embedded_items(lib) == 52


def test_pause_and_resume(lib: Library, photo_dir: Path) -> None:
    import threading
    import time

    lib.add_folder(photo_dir)
    controls = Controls.new()
    controls.pause()
    result: dict[str, object] = {}
    worker = threading.Thread(target=lambda: result.setdefault("r", lib.index(controls=controls)))
    worker.start()
    time.sleep(1.0)
    assert worker.is_alive() and lib.catalog.count_pending() == 12  # paused: nothing committed
    controls.unpause()
    worker.join(timeout=60)
    assert not worker.is_alive() and result["r"].embedded == 12  # type: ignore[attr-defined]


def test_bad_files_become_errors_and_the_rest_is_indexed(lib: Library, photo_dir: Path) -> None:
    (photo_dir / "empty.jpg").write_bytes(b"")
    (photo_dir / "text.png").write_text("not a picture")
    good = (photo_dir / "home" / "p01.png").read_bytes()
    (photo_dir / "truncated.png").write_bytes(good[: len(good) // 2])
    lib.add_folder(photo_dir)
    report = lib.index()
    assert report.embedded == 12 and report.errors == 3
    errors = dict(lib.status().errors)
    assert "empty" in errors[str(photo_dir / "empty.jpg")]
    assert "not a readable image" in errors[str(photo_dir / "text.png")]
    assert str(photo_dir / "truncated.png") in errors


def test_vector_index_is_rebuilt_from_sqlite_without_re_embedding(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
    saved = {f: f.read_bytes() for f in data.glob("vectors-*.usearch")}
    for damage in (lambda b: b"garbage", lambda b: b[: len(b) // 2]):  # overwritten, truncated
        for f, content in saved.items():
            f.write_bytes(damage(content))
        with Library.open(data, model_path=tiny_model_dir) as lib:
            assert len(lib.vectors) == 12
            report = lib.index()
            assert report.embedded == 0
            assert lib.search(SearchQuery(image=photo_dir / "home" / "p01.png", limit=1)).hits[0].score > 0.99


def test_an_index_behind_the_catalog_catches_up_on_open(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    """A crash after the catalog commit but before the index save: the open finds the gap."""
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        dropped = lib.vectors.keys()[:3]
        lib.vectors.remove(dropped)
        lib.vectors.save()
    with Library.open(data, model_path=tiny_model_dir) as lib:
        assert len(lib.vectors) == 12 and set(dropped) <= set(lib.vectors.keys())
        assert lib.index().embedded == 0


def test_second_process_opens_read_only(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    import subprocess
    import sys

    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        code = (
            "import sys; from photolens.core.library import Library; from photolens.core.query.model import SearchQuery;"
            f"lib = Library.open({str(data)!r}, model_path={str(tiny_model_dir)!r});"
            "print(lib.read_only, len(lib.search(SearchQuery('red', collapse_duplicates=False)).hits), lib.notes[0][:20])"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("True 12 Opened read-only")
        code_w = (
            "from photolens.core.library import Library;"
            f"Library.open({str(data)!r}, read_only=False)"
        )
        out = subprocess.run([sys.executable, "-c", code_w], capture_output=True, text=True, timeout=120)
        assert out.returncode != 0 and "LibraryLockedError" in out.stderr
    with Library.open(data, read_only=False) as again:  # lock released on close
        assert not again.read_only


def test_read_only_library_refuses_writes(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    data = tmp_path / "data"
    with Library.open(data, model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        with Library.open(data, model_path=tiny_model_dir) as other:
            assert other.read_only
            with pytest.raises(ReadOnlyError):
                other.add_folder(photo_dir)
        with pytest.raises(LibraryLockedError):
            Library.open(data, read_only=False)


def test_missing_model_says_how_to_get_it(tmp_path: Path, photo_dir: Path) -> None:
    with Library.open(tmp_path / "data", models_dir=tmp_path / "empty-models") as lib:
        lib.add_folder(photo_dir)
        with pytest.raises(ModelNotFoundError) as info:
            lib.index()
        message = str(info.value)
        assert "photolens models fetch ViT-B-32" in message and "--model-path" in message
        assert lib.status().model_installed is False


def test_remove_folder_removes_its_items(lib: Library, photo_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    make_image(other / "x.png", (10, 200, 10), seed=5)
    lib.add_folder(photo_dir)
    lib.add_folder(other)
    lib.index()
    lib.remove_folder(photo_dir)
    assert lib.status().indexed == 1
    assert [h.path for h in lib.search("green", limit=10).hits] == [str(other / "x.png")]
    assert len(lib.vectors) == 1


def test_filters_restrict_results(lib: Library, photo_dir: Path) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    hits = lib.search(SearchQuery(text="circle in:trip", limit=20, collapse_duplicates=False)).hits
    assert hits and all("/trip/" in h.path for h in hits)
    assert len(hits) == 4
    assert lib.search("circle type:video").hits == ()
    assert len(lib.search("circle after:1990").hits) == 12  # falls back to file time: recent


def test_data_dir_is_private(tmp_path: Path, tiny_model_dir: Path) -> None:
    with Library.open(tmp_path / "data", model_path=tiny_model_dir):
        pass
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0


def test_hostile_query_strings_never_crash(lib: Library, photo_dir: Path) -> None:
    from photolens.core.errors import PhotolensError

    lib.add_folder(photo_dir)
    lib.index()
    rng = np.random.default_rng(7)
    strings = [
        "'; DROP TABLE files; --", '" OR 1=1 --', "in:%' OR '1'='1", "\x00\x01\x02", "🙂" * 2000, "a" * 10_000,
        "after:notadate", "type:spaceship", "-", "--", '"unbalanced', "in:", "\u202e\u200b", "camera:%_",
    ] + ["".join(chr(int(c)) for c in rng.integers(32, 0x2FFF, 50)) for _ in range(20)]
    for s in strings:
        try:
            lib.search(s, limit=5)
        except PhotolensError:
            pass  # a clear message is fine; anything else is a bug
    assert lib.status().indexed == 12  # and nothing was injected


def test_every_supported_format_is_indexed(lib: Library, tmp_path: Path) -> None:
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    root = tmp_path / "formats"
    root.mkdir()
    for i, ext in enumerate(("jpg", "png", "webp", "tiff", "bmp", "gif", "heic")):
        Image.new("RGB", (64 + i, 48), (30 * i, 200 - 20 * i, 90)).save(root / f"picture.{ext}")
    (root / "notes.txt").write_text("not media")
    lib.add_folder(root)
    report = lib.index()
    assert report.embedded == 7 and report.errors == 0
    heic = lib.catalog.file_by_path(str(root / "picture.heic"))
    assert heic is not None and (heic.width, heic.height) == (70, 48)


def test_a_file_rewritten_with_its_mtime_restored_is_noticed(tmp_path: Path, tiny_model_dir: Path) -> None:
    """rsync -t (a new file renamed over the old) and in-place editors that put the mtime back
    keep the size and the mtime; the inode or the ctime tells."""
    from PIL import Image

    folder = tmp_path / "pics"
    folder.mkdir()
    for name, colour in (("inplace.bmp", (250, 0, 0)), ("renamed.bmp", (0, 250, 0)), ("same.bmp", (0, 0, 250))):
        Image.new("RGB", (40, 30), colour).save(folder / name)  # BMPs of one size have one byte size
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(folder)
        assert lib.index().embedded == 3
        before = {p.name: lib.catalog.file_by_path(str(p)).hash for p in folder.iterdir()}  # type: ignore[union-attr]

        inplace = folder / "inplace.bmp"
        st = inplace.stat()
        data = bytearray(inplace.read_bytes())
        data[-300:] = bytes([7]) * 300  # other pixels, same size
        with open(inplace, "r+b") as fh:  # rewritten in place: the same inode
            fh.write(data)
        os.utime(inplace, ns=(st.st_atime_ns, st.st_mtime_ns))

        renamed = folder / "renamed.bmp"
        st = renamed.stat()
        tmp = folder / ".renamed.bmp.tmp"
        Image.new("RGB", (40, 30), (250, 250, 0)).save(tmp, format="BMP")
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, renamed)  # what rsync -t does: a new inode, the old size and mtime

        report = lib.index()
        assert report.changed == 2 and report.embedded == 2
        after = {p.name: lib.catalog.file_by_path(str(p)).hash for p in folder.iterdir()}  # type: ignore[union-attr]
        assert after["same.bmp"] == before["same.bmp"]
        assert after["inplace.bmp"] != before["inplace.bmp"] and after["renamed.bmp"] != before["renamed.bmp"]
        assert lib.index().changed == 0  # and then it is quiet again
