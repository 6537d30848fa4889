"""The main window against a real Library: typing, dropping, pasting, filters, keyboard."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from photolens.core.config import load_settings
from photolens.desktop.results_model import SortOrder, ThumbnailRole
from tests.desktop.helpers import drag_enter_event, shown_paths, type_query, wait_results


def test_window_shows_fast_and_typing_a_query_fills_the_grid(qtbot, make_window, library,  # noqa: ANN001
                                                              monkeypatch) -> None:  # noqa: ANN001
    from photolens.core.session import ModelSession

    loaded_on: list[threading.Thread] = []
    make_embedder = ModelSession._make_embedder

    def recording(self, folder):  # noqa: ANN001, ANN202
        loaded_on.append(threading.current_thread())
        return make_embedder(self, folder)

    monkeypatch.setattr(ModelSession, "_make_embedder", recording)
    window = make_window(library)
    results = type_query(qtbot, window, "a red circle")
    # the window shows at once: the model loads off the GUI thread (no timing: CI machines vary)
    assert loaded_on and threading.main_thread() not in loaded_on
    assert len(results.hits) == 24  # every picture is a candidate; broken.jpg is not
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.results_view, timeout=2000)
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)
    assert window.model.rowCount() == window.model.strong_count
    assert "good match" in window.filter_bar.summary.text()
    # the first result is selected and previewed
    assert window.preview.hit == window.model.hits[0]
    # thumbnails arrive from the pool and land in the disk cache
    qtbot.waitUntil(lambda: window.model.index(0, 0).data(ThumbnailRole) is not None, timeout=5000)
    assert list((library.data_dir / "thumbnails").rglob("*.jpg"))


def test_dropping_a_file_searches_by_that_image(qtbot, window, gallery: Path) -> None:  # noqa: ANN001
    picture = gallery / "trip" / "blue_star.png"
    window.filter_bar.show_weak.setChecked(True)  # a random tiny model finds everything alike
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = drag_enter_event(pos, mime)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    results = wait_results(qtbot, window, lambda: QApplication.sendEvent(window, drop))
    assert results.hits[0].path == str(picture)  # a picture is its own nearest neighbour
    assert window.search_bar.chip_texts() == ["Like: blue_star.png"]
    assert shown_paths(window)[0] == str(picture)


def test_pasting_an_image_searches_by_it_and_combines_with_words(qtbot, window, gallery: Path) -> None:  # noqa: ANN001
    picture = gallery / "home" / "green_square.png"
    QGuiApplication.clipboard().setImage(QImage(str(picture)))
    field = window.search_bar.field
    field.setFocus()
    results = wait_results(qtbot, window, lambda: qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier))
    assert results.hits[0].path == str(picture)
    assert field.text() == ""  # the picture was not pasted as text
    assert window.search_bar.chip_texts() == ["Like: pasted image"]
    combined = type_query(qtbot, window, "red")
    assert combined.query.text == "red" and combined.query.image is not None


def test_filters_restrict_and_sort_the_results(qtbot, window, gallery: Path) -> None:  # noqa: ANN001
    type_query(qtbot, window, "shape")
    window.filter_bar.show_weak.setChecked(True)
    assert window.model.rowCount() == 24
    qtbot.waitUntil(lambda: window.filter_bar.folder.count() == 4, timeout=5000)  # the folder, home/, trip/
    results = wait_results(qtbot, window, lambda: window.filter_bar.folder.setCurrentIndex(1))
    assert results.hits and all(h.path.startswith(str(gallery) + "/") for h in results.hits)
    kind = window.filter_bar.kind
    wait_results(qtbot, window, lambda: kind.setCurrentIndex(kind.findData("image")))
    window.filter_bar.sort.setCurrentIndex(window.filter_bar.sort.findData(SortOrder.NEWEST.value))
    dates = [h.taken_at for h in window.model.hits]
    assert dates == sorted(dates, reverse=True)
    when = window.filter_bar.when
    empty = wait_results(qtbot, window, lambda: when.setCurrentIndex(when.findData("30d")))
    assert empty.hits == ()  # the pictures are from 2020
    # the start-up scan may end now and run the query again: wait for what it settles on
    qtbot.waitUntil(lambda: window.empty.title.text() == "Nothing found", timeout=20_000)
    assert window.stack.currentWidget() is window.empty


def test_weak_matches_hide_behind_a_switch(qtbot, window) -> None:  # noqa: ANN001
    results = type_query(qtbot, window, "a purple star")
    strong = sum(1 for h in results.hits if not h.weak)
    assert window.model.rowCount() == strong < 24
    window.filter_bar.show_weak.setChecked(True)
    assert window.model.rowCount() == 24
    assert window.actions_.show_weak.isChecked()


def test_keyboard_focus_arrows_enter_and_escape(qtbot, window) -> None:  # noqa: ANN001
    window.results_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.search_bar.field.hasFocus()
    type_query(qtbot, window, "circle")
    qtbot.keyClick(window.search_bar.field, Qt.Key.Key_Down)
    view = window.results_view
    assert view.hasFocus() and view.currentIndex().row() == 0
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.currentIndex().row() == 1
    qtbot.keyClick(view, Qt.Key.Key_Return)  # the built-in viewer, full-window
    assert window.viewer.isVisible() and window.viewer.hit == window.model.hits[1]
    assert window.desktop.opened == []
    qtbot.keyClick(window.viewer, Qt.Key.Key_Escape)
    assert not window.viewer.isVisible() and view.hasFocus()
    qtbot.keyClick(view, Qt.Key.Key_Escape)  # back to the library view
    assert window.search_bar.field.text() == ""
    qtbot.waitUntil(lambda: window.model.browsing and len(window.model.hits) == 24, timeout=5000)


def test_double_click_opens_and_the_preview_acts(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "green")
    view = window.results_view
    rect = view.visualRect(window.model.index(2, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    hit = window.model.hits[2]
    assert window.preview.hit == hit
    assert window.preview.fields["Dimensions"].text().startswith("128 × 128")
    assert window.preview.fields["Folder"].text() == str(Path(hit.path).parent)
    assert not window.preview.fields["Moment"].isVisible()  # pictures have no moment
    assert not window.preview.strip.isVisible()
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.viewer.isVisible() and window.viewer.hit == hit
    window.viewer.close_viewer()
    window.preview.buttons["open"].click()  # the default app
    assert window.desktop.opened[-1] == hit.path
    window.preview.buttons["reveal"].click()
    assert window.desktop.revealed == [hit.path]
    window.preview.buttons["copy_path"].click()
    assert window.desktop.copied_paths == [[hit.path]]
    assert QGuiApplication.clipboard().text() == hit.path
    window.preview.buttons["copy_image"].click()  # decoded off the GUI thread
    qtbot.waitUntil(lambda: len(window.desktop.copied_images) == 1, timeout=5000)
    assert window.desktop.copied_images[0].width() == 128


def test_more_and_less_like_this(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "square")
    window.filter_bar.show_weak.setChecked(True)
    liked = window.model.hits[3]
    more = wait_results(qtbot, window, window.preview.buttons["more"].click) if window.preview.hit == liked else None
    if more is None:
        window.results_view.setCurrentIndex(window.model.index(3, 0))
        more = wait_results(qtbot, window, window.preview.buttons["more"].click)
    assert more.query.like_items == (liked.item_id,)
    assert liked.path not in [h.path for h in more.hits]  # the example itself is left out
    assert window.search_bar.chip_texts() == ["More like 1"]
    window.results_view.setCurrentIndex(window.model.index(0, 0))
    disliked = window.model.hits[0]
    less = wait_results(qtbot, window, window.preview.buttons["less"].click)
    assert less.query.unlike_items == (disliked.item_id,)
    assert disliked.path not in [h.path for h in less.hits]
    assert window.search_bar.chip_texts() == ["More like 1, less like 1"]


def test_results_drag_out_as_files(qtbot, window) -> None:  # noqa: ANN001
    type_query(qtbot, window, "blue")
    indexes = [window.model.index(0, 0), window.model.index(1, 0)]
    mime = window.model.mimeData(indexes)
    assert [u.toLocalFile() for u in mime.urls()] == [h.path for h in window.model.hits[:2]]
    assert window.model.flags(indexes[0]) & Qt.ItemFlag.ItemIsDragEnabled


def test_query_errors_are_shown_not_swallowed(qtbot, window) -> None:  # noqa: ANN001
    field = window.search_bar.field
    field.setFocus()
    with qtbot.waitSignal(window.search.failed, timeout=10000):
        qtbot.keyClicks(field, "cat after:yesterday")
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.banner.isVisible()
    assert "Cannot read the date" in window.banner.label.text()
    field.clear()
    type_query(qtbot, window, "cat")  # a good query dismisses it
    assert not window.banner.isVisible()


def test_ranking_preferences_apply_to_the_open_search_and_persist(qtbot, window, library) -> None:  # noqa: ANN001
    type_query(qtbot, window, "a red circle")
    results = wait_results(qtbot, window, lambda: window.actions_.vary_results.trigger())
    assert results.query.diversity == 0.3
    assert library.settings.diversity == 0.3
    default = library.hubness_by_default()
    assert window.actions_.correct_hubs.isChecked() is default
    results = wait_results(qtbot, window, lambda: window.actions_.correct_hubs.trigger())
    assert results.query.hubness is (not default)
    reloaded = load_settings(library.data_dir)
    assert reloaded.diversity == 0.3 and reloaded.hubness is (not default)


def test_a_group_of_near_identical_shots_opens_and_closes(qtbot, window, library) -> None:  # noqa: ANN001
    # the tiny random model sees every picture as near-identical: with grouping on, they stack
    library.apply_settings(library.settings.with_changes(collapse_duplicates=True))
    window.filter_bar.show_weak.setChecked(True)
    type_query(qtbot, window, "a red circle")
    model, view = window.model, window.results_view
    group = next(i for i in range(model.rowCount()) if model.is_group(model.index(i, 0)))
    hit = model.hit(model.index(group, 0))
    before = model.rowCount()
    view.setCurrentIndex(model.index(group, 0))
    window.actions_.toggle_group.trigger()
    assert model.rowCount() == before + len(hit.near_duplicates)
    shown = shown_paths(window)
    assert shown[group + 1: group + 1 + len(hit.near_duplicates)] == list(hit.near_duplicates)
    assert model.hit(view.currentIndex()).path == hit.path  # the selection stays on the group
    menu = window.results.context_menu(view.currentIndex(), view.mapToGlobal(view.rect().center()), window.actions_)
    assert "Close the group" in [a.text() for a in menu.actions()]
    menu.close()
    window.actions_.toggle_group.trigger()
    assert model.rowCount() == before


def test_a_video_shows_at_its_best_moment(qtbot, make_window, tmp_path: Path, tiny_model_dir: Path) -> None:  # noqa: ANN001
    from photolens.core.library import Library
    from photolens.desktop.results_model import MomentRole
    from tests.helpers import make_image, make_video, scene

    clips = tmp_path / "clips"
    make_video(clips / "party.mp4", [scene((230, 20, 20)), scene((20, 210, 40), shape="square", seed=3)],
               seconds_each=3)
    make_image(clips / "photo.png", (20, 30, 230), seed=9)
    with Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models") as lib:
        lib.add_folder(clips)
        lib.index()
        window = make_window(lib)
        results = type_query(qtbot, window, "type:video party")
        [hit] = results.hits
        assert hit.media_type == "video" and hit.frame_ms is not None
        index = window.model.index(0, 0)
        assert index.data(MomentRole) == f"\u25b6 0:0{hit.frame_ms // 1000}"
        qtbot.waitUntil(lambda: index.data(ThumbnailRole) is not None, timeout=5000)  # a frame, decoded
        assert window.preview.hit == hit
        assert window.preview.fields["Moment"].isVisible()
        assert window.preview.fields["Moment"].text().startswith("best match at 0:0")
        assert window.preview.fields["Moment"].text().endswith("of 0:06")
        assert window.preview.fields["Type"].text() == "video (MP4)"
        window.preview.buttons["copy_image"].click()  # the frame at that moment
        qtbot.waitUntil(lambda: len(window.desktop.copied_images) == 1, timeout=5000)
        assert (window.desktop.copied_images[0].width(), window.desktop.copied_images[0].height()) == (96, 72)
        # Open: at the moment when a player can seek there, else from the start with a word
        later = replace(hit, frame_ms=4000)
        window.results.open(later)
        assert window.desktop.opened[-1] == hit.path
        assert "the match is at" in window.statusBar().currentMessage()
        window.desktop.seeking_player = True
        window.results.open(later)
        assert window.desktop.opened[-1] == f"{hit.path}@4"
        assert window.statusBar().currentMessage() == "Playing party.mp4 from 0:04"
        # the strip of moments: every sampled frame, the best one current; another one is shown
        strip = window.preview.strip
        assert strip.isVisible() and strip.moments() == [0, 2000, 4000]
        assert strip.current() == hit.frame_ms
        qtbot.waitUntil(lambda: not strip.buttons[0].icon().isNull(), timeout=5000)
        other = 0 if hit.frame_ms else 4000
        strip.buttons[strip.moments().index(other)].click()
        assert strip.current() == other
        assert window.preview.hit.frame_ms == other
        assert window.preview.fields["Moment"].text().endswith(f"(best match at 0:0{hit.frame_ms // 1000})")
        window.preview.buttons["copy_image"].click()
        qtbot.waitUntil(lambda: len(window.desktop.copied_images) == 2, timeout=5000)
        centre = window.desktop.copied_images[1].pixelColor(48, 36)
        assert (centre.green() > 150) == (other >= 3000)  # the green square is the second scene
        # a video dropped on the window is an example: its middle frame
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(clips / "party.mp4"))])
        pos = QPointF(window.width() / 2, window.height() / 2)
        enter = drag_enter_event(pos, mime)
        QApplication.sendEvent(window, enter)
        assert enter.isAccepted()
        drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier)
        results = wait_results(qtbot, window, lambda: QApplication.sendEvent(window, drop))
        assert "Like: party.mp4" in window.search_bar.chip_texts()
        assert results.hits[0].path == str(clips / "party.mp4")
        window.shutdown()


def test_seeking_player_is_mpv_or_vlc(monkeypatch) -> None:  # noqa: ANN001
    from photolens.desktop import desktop_actions

    monkeypatch.setattr(desktop_actions.shutil, "which", lambda name: f"/usr/bin/{name}" if name == "vlc" else None)
    assert desktop_actions.seeking_player(42.25) == ("/usr/bin/vlc", ["--start-time=42.2"])
    monkeypatch.setattr(desktop_actions.shutil, "which", lambda name: f"/opt/{name}")
    assert desktop_actions.seeking_player(-1) == ("/opt/mpv", ["--start=0.0"])
    monkeypatch.setattr(desktop_actions.shutil, "which", lambda name: None)
    assert desktop_actions.seeking_player(3) is None
