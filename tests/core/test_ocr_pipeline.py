"""Text in pictures in the indexing pipeline: a crash is one file's problem, deleted files
take their text along, and the setting turns it off."""

from __future__ import annotations

import os
from pathlib import Path

from photolens.core.catalog import AnalyzerItem
from photolens.core.library import Library
from photolens.core.ocr.analyzer import TextAnalyzer, read_item
from photolens.core.ocr.engine import PictureText
from tests.text_pictures import plain_photo, sign


def read_or_abort(item: AnalyzerItem) -> PictureText:
    """In a worker process: the real reading, except that a 'poison' file kills the process
    (as a crash in native OCR code would)."""
    if "poison" in item.path:
        os.abort()
    return read_item(item)


class AbortingTextAnalyzer(TextAnalyzer):
    def worker(self):  # noqa: ANN201
        return read_or_abort


def _text_rows(lib: Library) -> dict[str, int]:
    conn = lib.catalog.conn
    return {t: int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("text_lines", "text_fts", "text_trigrams")}


def test_an_ocr_crash_is_one_files_problem_and_deleting_a_file_removes_its_text(
        tmp_path: Path, tiny_model_dir: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    sign(["Parking ticket", "valid today"], seed=11).save(photos / "a_ticket.jpg")
    plain_photo(12).save(photos / "b_poison.png")
    sign(["Opening hours"], seed=13, text_px=30).save(photos / "c_hours.png")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.register_analyzer(AbortingTextAnalyzer(lib.catalog))  # in place of the built-in one
        lib.add_folder(photos)
        lib.index()
        names = lambda q: [Path(h.path).name for h in lib.search(q).hits]  # noqa: E731
        assert names('text:"parking ticket"') == ["a_ticket.jpg"]
        assert names('text:"opening hours"') == ["c_hours.png"]  # read after the crash
        assert lib.catalog.count_unanalyzed("text", TextAnalyzer.version, lib.model_id) == 0  # no retry loop
        assert lib.status().indexed == 3  # the crash cost the poisoned file its text, not its place

        (photos / "a_ticket.jpg").unlink()
        lib.index()
        assert names('text:"parking ticket"') == []
        assert _text_rows(lib) == {"text_lines": 1, "text_fts": 1, "text_trigrams": 1}  # only "Opening hours"


def test_ocr_can_be_turned_off(tmp_path: Path, tiny_model_dir: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    sign(["Parking ticket"], seed=11).save(photos / "ticket.jpg")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "settings.toml").write_text("ocr = false\n")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        assert lib.settings.ocr is False
        lib.add_folder(photos)
        lib.index()
        assert _text_rows(lib)["text_fts"] == 0
        assert [h.path for h in lib.search("text:parking").hits] == []


def test_a_video_is_read_at_its_first_frame(tmp_path: Path, tiny_model_dir: Path) -> None:
    from tests.helpers import make_video

    clips = tmp_path / "clips"
    make_video(clips / "trip.mp4", [sign(["Welcome to Lisbon"], seed=31, size=(480, 320)),
                                   sign(["Gate closed"], seed=32, size=(480, 320))], seconds_each=2.5)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(ocr=True))
        lib.add_folder(clips)
        lib.index()
        hits = lib.search('text:"welcome to lisbon"').hits
        assert [Path(h.path).name for h in hits] == ["trip.mp4"]
        assert hits[0].frame_ms == 0 and "Welcome to Lisbon" in (hits[0].text or "")  # the frame that was read
        assert lib.search("text:closed").hits == ()  # later frames are not read (OCR costs)
        assert _text_rows(lib)["text_lines"] == 1


def read_slowly(item: AnalyzerItem) -> PictureText:
    """In a worker process: says it started (a file next to the picture), then takes long."""
    import time

    Path(item.path + ".reading").touch()
    time.sleep(8)
    return PictureText()


class SlowTextAnalyzer(TextAnalyzer):
    def worker(self):  # noqa: ANN201
        return read_slowly


def test_stopping_does_not_wait_for_the_pictures_being_read(tmp_path: Path, tiny_model_dir: Path) -> None:
    import threading

    from photolens.core.progress import Controls

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(3):
        plain_photo(40 + i).save(photos / f"p{i}.jpg")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.register_analyzer(SlowTextAnalyzer(lib.catalog))
        lib.add_folder(photos)
        controls = Controls.new()
        run = threading.Thread(target=lib.index, kwargs={"controls": controls})
        run.start()
        deadline = threading.Event()
        while not list(photos.glob("*.reading")):  # a worker is reading
            assert run.is_alive(), "the run ended before the analyzer read anything"
            deadline.wait(0.05)
        controls.stop()
        run.join(timeout=6)  # the workers sleep for 8 s: a run that waited for them is still alive here
        assert not run.is_alive()
        assert lib.catalog.count_unanalyzed("text", TextAnalyzer.version, lib.model_id) == 3  # still to do
