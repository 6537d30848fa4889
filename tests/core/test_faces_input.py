"""Faces on awkward input: every picture kind decodes or fails alone; videos, crashes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.catalog import AnalyzerItem
from photolens.core.faces.analyzer import FaceAnalyzer
from photolens.core.faces.detect import faces_in_item
from photolens.core.library import Library
from tests.faces_photos import photo
from tests.helpers import make_video

pytest.importorskip("dlib")


def _item(path: Path, media_type: str = "image", frame_ms: int = 0) -> AnalyzerItem:
    return AnalyzerItem(1, str(path), frame_ms, media_type)


def test_awkward_pictures_give_faces_or_none_never_a_crash(tmp_path: Path) -> None:
    face = photo("biden.jpg")
    cases = {
        "tiny.png": Image.new("RGB", (3, 2), (9, 9, 9)),
        "grey.png": face.convert("L"),
        "cmyk.jpg": face.convert("CMYK"),
        "bilevel.png": face.convert("1"),
        "deep.png": Image.fromarray(np.asarray(face.convert("L"), dtype=np.uint16) * 257),
        "alpha.png": face.convert("RGBA"),
        "strip.png": Image.new("RGB", (100_000, 1), (200, 100, 50)),
        "large.jpg": face.resize((face.width * 5, face.height * 5)),  # ~14 MP: found on a scaled copy
    }
    expected = {"tiny.png": 0, "strip.png": 0, "bilevel.png": None}  # bilevel: a face may or may not survive
    for name, image in cases.items():
        image.save(tmp_path / name)
        found = faces_in_item(_item(tmp_path / name))
        want = expected.get(name, 1)
        if want is not None:
            assert len(found) == want, name
        for f in found:
            assert all(0.0 <= v <= 1.0 for v in f.box) and f.descriptor.shape == (128,)


def test_a_person_in_a_video_is_found_at_the_moment_they_appear(tmp_path: Path, tiny_model_dir: Path) -> None:
    blank = Image.new("RGB", (400, 500), (30, 90, 30))
    make_video(tmp_path / "clips" / "visit.mp4", [blank, photo("obama.jpg").resize((400, 500)), blank],
                       seconds_each=4.0)
    for name in ("obama.jpg", "obama2.jpg"):
        photo(name).save(tmp_path / "clips" / name)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, faces=True))
        lib.add_folder(tmp_path / "clips")
        lib.index()
        people = lib.people.everyone()
        assert len(people) == 1 and people[0].photos == 3  # two photos and the video
        lib.people.rename(people[0].id, "Barack")
        hits = lib.search("person:barack").hits
        clip = next(h for h in hits if h.path.endswith("visit.mp4"))
        assert 4000 <= (clip.frame_ms or 0) < 8000  # his scene, not the blank ones


def abort_on_poison(item: AnalyzerItem) -> object:
    """A face finder that dies (as a crashing native library would) on one file."""
    if item.path.endswith("poison.jpg"):
        os.abort()
    return faces_in_item(item)


class CrashingFaces(FaceAnalyzer):
    def worker(self):  # noqa: ANN201
        return abort_on_poison


def test_a_detector_crash_is_that_files_error_and_the_others_go_on(tmp_path: Path, tiny_model_dir: Path) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg"):
        photo(name).save(folder / name)
    photo("biden.jpg").save(folder / "poison.jpg")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, faces=False))
        lib.register_analyzer(CrashingFaces(lib.people))
        lib.add_folder(folder)
        lib.index()
        assert lib.people.count_faces() == 3
        status = lib.status()
        assert status.analysis_error_count == 1
        path, analyzer, reason = status.analysis_errors[0]
        assert path.endswith("poison.jpg") and analyzer == "faces" and "crashed" in reason
        assert status.indexed == 4  # the poisoned picture is still searchable


def test_missing_face_models_say_how_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from photolens.core.faces import detect

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "face_recognition_models" else real(name, *a))
    ok, why = detect.available()
    assert not ok and "pip install dlib-bin face-recognition-models" in why
