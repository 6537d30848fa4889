"""Live indexing with real files and real file-system events."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from photolens.core.library import Library
from photolens.core.progress import Controls
from photolens.core.query.model import SearchQuery
from tests.helpers import make_image

TIMEOUT_S = 30


def wait_for(condition: Callable[[], bool], timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def live(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> Iterator[tuple[Library, Path, list]]:
    lib = Library.open(tmp_path / "data", model_path=tiny_model_dir)
    lib.add_folder(photo_dir)
    controls = Controls.new()
    reports: list = []
    worker = threading.Thread(
        target=lib.watch, args=(controls, None, reports.append), kwargs={"debounce_s": 0.3}, daemon=True
    )
    worker.start()
    # The first report closes the initial reconcile; vectors are visible a moment earlier.
    wait_for(lambda: len(reports) >= 1 and lib.status().indexed == 12)
    yield lib, photo_dir, reports
    controls.stop()
    worker.join(timeout=20)
    assert not worker.is_alive()
    lib.close()


def _paths(lib: Library) -> set[str]:
    query = SearchQuery(text="anything", limit=100, collapse_duplicates=False)
    return {h.path for h in lib.search(query).hits}


def _embedded(reports: list) -> int:
    return sum(r.embedded for r in reports)


def test_new_modified_and_deleted_files_follow_the_disk(live: tuple[Library, Path, list]) -> None:
    lib, root, reports = live
    before = _embedded(reports)
    new = make_image(root / "new" / "fresh.png", (200, 10, 200), seed=50)
    wait_for(lambda: str(new) in _paths(lib) and _embedded(reports) == before + 1)
    make_image(new, (10, 10, 10), size=(60, 60), seed=51)  # modified in place
    wait_for(lambda: _embedded(reports) == before + 2)
    new.unlink()
    wait_for(lambda: str(new) not in _paths(lib))
    assert lib.status().indexed == 12


def test_moved_folder_is_not_re_embedded(live: tuple[Library, Path, list]) -> None:
    lib, root, reports = live
    before, seen = _embedded(reports), len(reports)
    shutil.move(root / "home", root / "house")
    wait_for(
        lambda: len(reports) > seen
        and any("/house/" in p for p in _paths(lib))
        and not any("/home/" in p for p in _paths(lib))
    )
    assert _embedded(reports) == before
    assert lib.status().indexed == 12


def test_file_written_slowly_is_indexed_once_complete(live: tuple[Library, Path, list]) -> None:
    lib, root, _ = live
    source = make_image(root.parent / "outside.png", (10, 220, 220), size=(300, 200), seed=60)
    data = source.read_bytes()
    target = root / "slow.png"
    with open(target, "wb") as fh:
        for i in range(0, len(data), len(data) // 6 + 1):
            fh.write(data[i : i + len(data) // 6 + 1])
            fh.flush()
            time.sleep(0.15)
    wait_for(lambda: str(target) in _paths(lib))
    assert str(target) not in dict(lib.status().errors)


def test_vanished_folder_goes_offline_and_comes_back(live: tuple[Library, Path, list]) -> None:
    lib, root, reports = live
    parked = root.parent / "unplugged"
    root.rename(parked)
    wait_for(lambda: lib.status().offline == 12)
    assert lib.status().indexed == 0 and lib.catalog.count_embeddings(lib.model_id) == 12  # nothing deleted
    assert any(str(root) in r.offline_folders for r in reports)
    before, seen = _embedded(reports), len(reports)
    parked.rename(root)
    wait_for(lambda: lib.status().indexed == 12 and len(reports) > seen)
    assert _embedded(reports) == before
    assert any(str(root) in r.back_online for r in reports[seen:])  # listeners show its pictures again


def test_video_copied_in_is_indexed_with_its_frames(live: tuple[Library, Path, list]) -> None:
    from tests.helpers import make_video, scene

    lib, root, _ = live
    made = make_video(root.parent / "clip.mp4", [scene((200, 30, 30)), scene((30, 30, 200))], seconds_each=2)
    target = root / "clip.mp4"
    shutil.copy(made, target)
    wait_for(lambda: str(target) in _paths(lib))
    assert lib.catalog.count_embeddings(lib.model_id) == 12 + 2
    assert [h.path for h in lib.search("clip type:video").hits] == [str(target)]


def test_an_index_run_reports_a_folder_offline_and_back(tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    """The whole-library scan (start-up, `photolens index`) says which folders went away
    and which came back, so a window showing results knows to show them again."""
    with Library.open(tmp_path / "data", model_path=tiny_model_dir) as lib:
        lib.add_folder(photo_dir)
        lib.index()
        parked = photo_dir.parent / "unplugged"
        photo_dir.rename(parked)
        gone = lib.index()
        assert gone.offline_folders == [str(photo_dir)] and gone.back_online == []
        assert lib.status().offline == 12
        photo_dir.parent.joinpath("unplugged").rename(photo_dir)
        back = lib.index()
        assert back.back_online == [str(photo_dir)] and back.offline_folders == []
        assert back.embedded == 0 and lib.status().indexed == 12
        assert lib.index().back_online == []  # said once
