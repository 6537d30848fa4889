"""The preview shows the text read in a picture, the query's words highlighted, and copies it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from photolens.core.library import Library
from photolens.desktop.text_highlight import highlight_html, marked_words
from tests.desktop.helpers import type_query
from tests.text_pictures import plain_photo, screenshot, sign


@pytest.fixture(scope="module")
def text_template(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("picture-text")
    photos = root / "photos"
    photos.mkdir()
    sign(["Café Münster", "open daily"], seed=21).save(photos / "cafe.jpg")
    screenshot(["Settings", "Bluetooth connected", "Battery 87%"]).save(photos / "screen.png")
    plain_photo(22).save(photos / "lake.jpg")
    with Library.open(root / "data", model_path=tiny_model_dir, models_dir=root / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(ocr=True))
        lib.add_folder(photos)
        lib.index()
    return root / "data"


@pytest.fixture
def text_lib(tmp_path: Path, text_template: Path, tiny_model_dir: Path) -> Iterator[Library]:
    data = tmp_path / "data"
    shutil.copytree(text_template, data, ignore=shutil.ignore_patterns("photolens.lock"))
    lib = Library.open(data, model_path=tiny_model_dir, models_dir=tmp_path / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, ocr=True))
    yield lib
    lib.close()


def test_highlighting_folds_case_and_accents_and_escapes() -> None:
    html = highlight_html("Café <Münster>\nopen", ["cafe", "munster"])
    assert marked_words("Café <Münster>\nopen", ["cafe", "munster"]) == ["Café", "Münster"]
    assert "&lt;" in html and "<br>" in html and html.count("<span") == 2


def test_the_preview_shows_highlighted_text_and_copies_it(qtbot, make_window, text_lib: Library) -> None:  # noqa: ANN001
    window = make_window(text_lib)
    results = type_query(qtbot, window, "munster")
    top = results.hits[0]
    assert Path(top.path).name == "cafe.jpg" and top.text_matches == ("munster",)
    view = window.results_view
    view.setCurrentIndex(window.model.index(0, 0))
    qtbot.waitUntil(lambda: window.preview.hit is not None and window.preview.hit.path == top.path, timeout=5000)
    preview = window.preview
    assert preview.text_view.isVisible() and preview.buttons["copy_text"].isVisible()
    assert "Münster</span>" in preview.text_view.text() and "open daily" in preview.text_view.text()
    preview.buttons["copy_text"].click()
    assert window.desktop.copied_texts == ["Café Münster\nopen daily"]
    assert QGuiApplication.clipboard().text() == "Café Münster\nopen daily"

    # the context menu offers it too; a picture without text does not
    menu = window.results.context_menu(view.currentIndex(), view.mapToGlobal(view.rect().center()), window.actions_)
    assert window.actions_.copy_text in menu.actions()
    menu.close()
    lake = next(i for i, h in enumerate(window.model.hits) if Path(h.path).name == "lake.jpg")
    view.setCurrentIndex(window.model.index(lake, 0))
    qtbot.waitUntil(lambda: window.preview.hit is not None and window.preview.hit.text is None, timeout=5000)
    assert not preview.text_view.isVisible() and not preview.buttons["copy_text"].isVisible()
    menu = window.results.context_menu(view.currentIndex(), view.mapToGlobal(view.rect().center()), window.actions_)
    assert window.actions_.copy_text not in menu.actions()
    menu.close()
    window.actions_.copy_text.trigger()  # the shortcut on a picture without text: says so, copies nothing
    assert window.desktop.copied_texts == ["Café Münster\nopen daily"]
    assert "No text" in window.statusBar().currentMessage()


def test_a_text_filter_query_shows_only_pictures_with_the_words(qtbot, make_window, text_lib: Library) -> None:  # noqa: ANN001
    window = make_window(text_lib)
    results = type_query(qtbot, window, 'text:"bluetooth connected"')
    assert [Path(h.path).name for h in results.hits] == ["screen.png"]
    window.results_view.setCurrentIndex(window.model.index(0, 0))
    qtbot.waitUntil(lambda: window.preview.hit is not None, timeout=5000)
    text = window.preview.text_view.text()
    assert "Bluetooth</span>" in text and "connected</span>" in text and "Settings" in text
    assert Qt.TextFormat.RichText == window.preview.text_view.textFormat()
