"""Choosing another model folder in the running app: indexing and search use it, and only it."""

from __future__ import annotations

from pathlib import Path

from photolens.core.library import Library
from photolens.core.progress import IndexProgress
from tests.desktop.helpers import type_query

INDEX_TIMEOUT_MS = 120_000


def test_switching_the_model_in_the_running_app(qtbot, window, library: Library,  # noqa: ANN001
                                                oracle_model_dir: Path) -> None:
    tiny_id = library.model_id
    assert library.catalog.count_embeddings(tiny_id) == 24
    everything = {h.path for h in library.search("a red circle", limit=100).hits}
    assert len(everything) == 24
    found_during: list[set[str]] = []

    def search_now(p: IndexProgress) -> None:  # at each step of the switch, everything is found
        if p.phase == "reembed" and 0 < p.done < p.total:
            found_during.append({h.path for h in library.search("a red circle", limit=100).hits})

    window.index_worker.progress.connect(search_now)
    with qtbot.waitSignal(window.index_worker.settings_changed, timeout=INDEX_TIMEOUT_MS):
        window.index_worker.use_model(path=str(oracle_model_dir))  # what Model → Choose folder… does
    oracle_id = library.model_id
    assert oracle_id != tiny_id
    # the library is embedded again with the new model, in the background
    qtbot.waitUntil(lambda: library.catalog.count_embeddings(oracle_id) == 24, timeout=INDEX_TIMEOUT_MS)
    qtbot.waitUntil(lambda: library.switch_status() is None, timeout=INDEX_TIMEOUT_MS)
    assert found_during and all(found == everything for found in found_during)
    assert library.catalog.count_embeddings(tiny_id) == 0  # the old vectors went
    qtbot.waitUntil(lambda: not window.index_worker.running or window.index_worker.paused is False,
                    timeout=INDEX_TIMEOUT_MS)
    window.filter_bar.show_weak.setChecked(True)
    results = type_query(qtbot, window, "a red circle")
    # the trained oracle finds it first; the tiny random model could not
    assert Path(results.hits[0].path).name == "red_circle.png"
    assert {h.item_id for h in results.hits} <= {int(k) for k in library.vectors.keys()}
    assert library.vectors.path.name == f"vectors-{oracle_id.replace('/', '__')}.usearch"


def test_the_model_dialog_lists_the_models_and_this_librarys_vectors(qtbot, window) -> None:  # noqa: ANN001
    from photolens.desktop.model_list import STATE_COLUMN, ModelList

    dialog = window.dialogs.open_model()
    models = dialog.findChild(ModelList)
    assert models is not None and models.table.rowCount() >= 4
    qtbot.waitUntil(lambda: models.disk_label.isVisible(), timeout=10_000)
    assert "tiny" in models.disk_label.text() and "24" in models.disk_label.text()
    assert models.switch_label.isHidden()  # no switch in progress
    states = [models.table.item(r, STATE_COLUMN).text() for r in range(models.table.rowCount())]
    assert "in use" not in states  # a model folder is in use, none of the known ones


def test_measure_speed_in_the_model_dialog_times_the_model_here(qtbot, window, tiny_model_dir: Path) -> None:  # noqa: ANN001
    import shutil

    from photolens.core.embed.registry import KNOWN_MODELS
    from photolens.desktop.model_list import COLUMNS, ModelList

    shutil.copytree(tiny_model_dir, window.library.models_dir / "MobileCLIP2-S0")
    dialog = window.dialogs.open_model()
    models = dialog.findChild(ModelList)
    row = next(i for i, m in enumerate(KNOWN_MODELS) if m.name == "MobileCLIP2-S0")
    cell = lambda: models.table.item(row, COLUMNS.index("Speed here")).text()  # noqa: E731
    assert cell() == "not measured"
    models.table.selectRow(row)
    models.measure_button.click()
    qtbot.waitUntil(lambda: cell().endswith("img/s (model alone)"), timeout=60_000)
    assert models.measure_button.isEnabled()
