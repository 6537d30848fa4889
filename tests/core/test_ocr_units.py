"""Text in pictures, the parts without a model: words, the query syntax, missing models,
and that nothing of it loads with the window."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from photolens.core.errors import OcrUnavailableError, QueryError
from photolens.core.ocr import engine
from photolens.core.ocr.words import fold, max_edits, within_edits, words
from photolens.core.query.parse import parse_query


def test_words_are_folded_like_the_fts_index_folds_them() -> None:
    assert words("Café Münster, WiFi-Password: 42") == ["cafe", "munster", "wifi", "password", "42"]
    assert fold("ÅNGSTRÖM") == "angstrom"


def test_edit_budget_grows_with_the_word() -> None:
    assert max_edits("cat") == 0 and max_edits("1234") == 0  # short words and numbers: exact
    assert max_edits("wifi") == 1 and max_edits("departures") == 2
    assert within_edits("password", "pasword", 1) and within_edits("sunflower", "sunfl0wer", 1)
    assert not within_edits("password", "passport", 1) and within_edits("password", "passport", 2)


def test_text_filters_parse_and_combine() -> None:
    text, _, filters = parse_query('beach text:"wifi  password" text:sunflower type:image')
    assert text == "beach" and filters.text == ("wifi password", "sunflower") and filters.active
    with pytest.raises(QueryError, match='text:"wifi password"'):
        parse_query("text:")


def test_missing_bundled_models_are_a_clear_error_never_a_download(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(engine.MODEL_FILES, "Det", "not-shipped.onnx")
    with pytest.raises(OcrUnavailableError, match="never downloads"):
        engine.bundled_models()


def test_without_its_models_a_library_indexes_and_says_text_is_off(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny_model_dir: Path, photo_dir: Path) -> None:
    from photolens.core.library import Library

    monkeypatch.setitem(engine.MODEL_FILES, "Rec", "not-shipped.onnx")
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(ocr=True))
        lib.add_folder(photo_dir)
        assert lib.index().embedded == 12
        assert any("Text in pictures is off" in n for n in lib.notes)
        assert lib.search("text:anything").hits == ()


def test_the_window_and_the_library_do_not_load_the_ocr_runtime() -> None:
    code = ("import sys; import photolens.core.library, photolens.core.cli, photolens.desktop.main_window; "
            "print(sorted(m for m in ('rapidocr', 'cv2', 'shapely', 'omegaconf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_text_index_without_ocr(tmp_path: Path) -> None:
    """Rows stored as the analyzer stores them: misreadings, words run together, deletion."""
    from photolens.core.catalog import Catalog
    from photolens.core.ocr.engine import PictureText, TextLine
    from photolens.core.ocr.store import TextIndex, matched_words

    catalog = Catalog(tmp_path / "catalog.db")
    with catalog.conn:
        catalog.conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                                 [(i, f"h{i}") for i in range(1, 5)])
    index = TextIndex(catalog)

    def page(*lines: str) -> PictureText:
        return PictureText(tuple(TextLine(t, 0.9, (0, 0, 10, 0, 10, 5, 0, 5)) for t in lines))

    index.store([(1, page("WiFiPassword: x7")), (2, page("Departures", "Platform 9")),
                 (3, page("Deparlures")), (4, PictureText())])
    assert index.phrase_items('wifi password').items == {1}  # run together by OCR
    assert index.phrase_items("departures").items == {2, 3}  # and its misreading
    assert index.phrase_items("depxrtuxes").items == {2}  # two letters off a long word
    assert index.phrase_items("departures", fuzzy=False).items == {2}
    assert index.phrase_items("platform 9").items == {2} and index.phrase_items("9 platform").items == set()
    assert matched_words("WiFiPassword: x7", index.phrase_items("wifi password").spellings) == ("wifipassword",)
    assert index.texts([1, 2, 4]) == {1: "WiFiPassword: x7", 2: "Departures\nPlatform 9"}

    index.store([(3, page("Arrivals"))])  # read again: replaced
    assert index.phrase_items("departures").items == {2}
    catalog.delete_items([2, 3])
    tables = ("text_lines", "text_fts", "text_trigrams")
    assert [catalog.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables] == [1, 1, 1]
    assert index.phrase_items("arrivals").items == set()
    catalog.close()
