"""People in the window: faces outlined in the preview, naming one, the People view."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from photolens.core.library import Library
from photolens.desktop.search_bar import Chip
from tests.desktop.helpers import shown_paths, type_query, wait_results
from tests.faces_photos import item_of, make_people_folder

pytest.importorskip("dlib")


@pytest.fixture(scope="module")
def people_library(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):  # noqa: ANN201
    root = tmp_path_factory.mktemp("people-gui")
    who = make_people_folder(root / "photos")
    lib = Library.open(root / "data", model_path=tiny_model_dir, models_dir=root / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, faces=True))
    lib.add_folder(root / "photos")
    lib.index()
    yield lib, who
    lib.close()


@pytest.fixture
def own_library(people_library, tmp_path: Path):  # noqa: ANN001, ANN201
    """A copy of the indexed library that a test may change as it likes (no re-indexing)."""
    import shutil
    import sqlite3

    lib, who = people_library
    data = tmp_path / "data"
    data.mkdir()
    lib.vectors.save()
    with sqlite3.connect(data / "catalog.db") as copy:
        lib.catalog.conn.backup(copy)
    for f in lib.data_dir.iterdir():
        if f.is_file() and not f.name.startswith(("catalog.db", "photolens.lock")):
            shutil.copy2(f, data / f.name)
    own = Library.open(data, model_path=lib.model_path, models_dir=tmp_path / "models")
    own.apply_settings(own.settings.with_changes(collapse_duplicates=False))
    yield own, who
    own.close()


def _select(qtbot, window, name: str) -> None:  # noqa: ANN001
    row = next(i for i, p in enumerate(shown_paths(window)) if p.endswith(name))
    window.results_view.setCurrentIndex(window.model.index(row, 0))
    qtbot.waitUntil(lambda: window.preview.hit is not None and window.preview.hit.path.endswith(name))


def test_name_a_face_from_the_preview_then_find_their_pictures(qtbot, make_window, people_library) -> None:  # noqa: ANN001
    lib, who = people_library
    window = make_window(lib)
    obama = lib.people.faces_in_item(item_of(lib, who["obama"][0]))[0].person_id
    results = type_query(qtbot, window, f"person:#{obama}")
    assert {Path(h.path).name for h in results.hits} == {p.name for p in who["obama"] + who["both"]}
    _select(qtbot, window, "together.jpg")
    faces = window.preview.picture.faces
    assert len(faces) == 2
    assert window.preview.fields["People"].isVisibleTo(window.preview)
    # hovering outlines them; a click on one asks who it is
    face = next(f for f in faces if f.person_id == obama)
    menu = window.people.face_menu(face)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[0].endswith("Name this face…") and f"Pictures of Person {obama}" in texts
    rename = next(a for a in menu.actions() if a.text().startswith("Rename"))
    rename.trigger()
    dialog = window.people.name_dialog
    dialog.setTextValue("Barack")
    dialog.accept()
    assert lib.people.get(obama).name == "Barack"
    assert "Barack" in window.preview.fields["People"].text()
    # the astronaut's face belongs to nobody yet: naming it makes her a person
    _select(qtbot, window, "together.jpg")
    results = type_query(qtbot, window, "")  # nothing typed clears the search
    lone = lib.people.faces_in_item(item_of(lib, who["astronaut"][0]))[0]
    assert lone.person is None
    window.people.name_face(lone, "Eileen")
    assert lib.people.face(lone.id).person == "Eileen"
    # "Pictures of Barack" runs the person query
    results = wait_results(qtbot, window, lambda: window.people.show_pictures_of(lib.people.face(face.id)))
    assert window.search_bar.field.text() == "person:Barack"
    assert len(results.hits) == len(who["obama"]) + 1


def test_people_view_names_in_place_merges_and_opens_a_person(qtbot, make_window, own_library) -> None:  # noqa: ANN001
    lib, who = own_library
    window = make_window(lib)
    dialog = window.people.open_people()
    qtbot.waitUntil(lambda: dialog.list.count() >= 2)
    # face thumbnails arrive from a background thread
    qtbot.waitUntil(lambda: dialog.faces_shown == dialog.list.count(),
                    timeout=20_000)
    biden = lib.people.faces_in_item(item_of(lib, who["biden"][0]))[0].person_id
    row = next(i for i in range(dialog.list.count()) if dialog.list.item(i).data(Qt.ItemDataRole.UserRole + 1).id
               == biden)
    dialog.list.item(row).setText("Joe")  # what editing the name in place does
    assert lib.people.get(biden).name == "Joe"
    # a name taken by someone else is refused, with the reason shown
    other = next(p for p in lib.people.everyone() if p.id != biden and p.name)
    row = next(i for i in range(dialog.list.count()) if dialog.list.item(i).data(Qt.ItemDataRole.UserRole + 1).id
               == biden)
    dialog.list.item(row).setText(other.name.upper())
    assert "merge" in dialog.message.text() and lib.people.get(biden).name == "Joe"
    # double-click (activate) shows their pictures in the window
    row = next(i for i in range(dialog.list.count()) if dialog.list.item(i).text() == "Joe")
    results = wait_results(qtbot, window, lambda: dialog.list.itemActivated.emit(dialog.list.item(row)))
    assert window.search_bar.field.text() == "person:Joe"
    assert {Path(h.path).name for h in results.hits} == {p.name for p in who["biden"] + who["both"]}
    # hide, then show hidden
    dialog.list.setCurrentRow(row, QItemSelectionModel.SelectionFlag.ClearAndSelect)  # as a click does
    qtbot.mouseClick(dialog.hide_button, Qt.MouseButton.LeftButton)
    assert "Joe" not in [dialog.list.item(i).text() for i in range(dialog.list.count())]
    dialog.show_hidden.setChecked(True)
    row = next(i for i in range(dialog.list.count()) if dialog.list.item(i).text() == "Joe")
    assert dialog.shown_text(row) == "Joe\u20286 pictures · hidden"  # the name alone is what editing edits
    # select two and merge: one person, with the name
    dialog.list.selectAll()
    count = dialog.list.count()
    qtbot.mouseClick(dialog.merge_button, Qt.MouseButton.LeftButton)
    assert dialog.list.count() == 1 and count > 1
    assert "Merged into" in dialog.message.text()



def test_names_complete_in_the_search_field_and_person_chips_remove_the_filter(qtbot, make_window,  # noqa: ANN001
                                                                              people_library) -> None:  # noqa: ANN001
    lib, who = people_library
    window = make_window(lib)
    biden = lib.people.faces_in_item(item_of(lib, who["biden"][0]))[0].person_id
    lib.people.rename(biden, "Joe Biden")
    window.people.update_names()
    field = window.search_bar.field
    field.setFocus()
    qtbot.keyClicks(field, "suit bid")
    completer = window.search_bar.people.completer
    qtbot.waitUntil(lambda: completer.popup().isVisible())
    assert completer.currentCompletion() == 'person:"Joe Biden"'
    results = wait_results(qtbot, window, lambda: completer.activated.emit(completer.currentCompletion()))
    assert field.text() == 'suit person:"Joe Biden" '
    assert {Path(h.path).name for h in results.hits} == {p.name for p in who["biden"] + who["both"]}
    qtbot.waitUntil(lambda: "With: Joe Biden" in window.search_bar.chip_texts())
    chip = next(c for c in window.search_bar.findChildren(Chip) if c.label.text() == "With: Joe Biden")
    results = wait_results(qtbot, window, chip.removed.emit)
    assert field.text() == "suit"
    assert "With: Joe Biden" not in window.search_bar.chip_texts()


def test_the_window_opens_without_loading_the_face_models(tmp_path: Path, tiny_model_dir: Path) -> None:
    """dlib (and its 30 MB of models) load in the indexer's workers, never on the way to a window."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from photolens.core.library import Library\n"
        "from photolens.desktop.main_window import MainWindow\n"
        f"lib = Library.open({str(tmp_path / 'data')!r}, model_path={str(tiny_model_dir)!r})\n"
        "w = MainWindow(lib, default_folders=[])\n"
        "w.show(); app.processEvents(); w.people.update_names(); w.preview.refresh_faces()\n"
        "print('dlib' in sys.modules)\n"
        "w.shutdown(); lib.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr
