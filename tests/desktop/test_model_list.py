"""The model dialog's list of known models: what each is, whether it is here, and a switch."""

from __future__ import annotations

import shutil
from pathlib import Path

from pytestqt.qtbot import QtBot

from photolens.core.embed.registry import KNOWN_MODELS
from photolens.core.switch import ModelUse, SwitchStatus
from photolens.desktop.model_list import COLUMNS, STATE_COLUMN, ModelList


def _row(models: ModelList, name: str) -> int:
    return next(i for i, m in enumerate(KNOWN_MODELS) if m.name == name)


def test_an_installed_model_can_be_used_and_a_missing_one_downloaded(qtbot: QtBot, tmp_path: Path,
                                                                   tiny_model_dir: Path) -> None:
    shutil.copytree(tiny_model_dir, tmp_path / "models" / "MobileCLIP2-S0")
    models = ModelList(tmp_path / "models", current="ViT-B-32")
    qtbot.addWidget(models)
    assert models.table.rowCount() == len(KNOWN_MODELS)
    states = {models.table.item(r, 0).text().split(" — ")[0]: models.table.item(r, STATE_COLUMN).text()
              for r in range(models.table.rowCount())}
    assert states["ViT-B-32"] == "in use" and states["MobileCLIP2-S0"] == "installed"
    assert states["ViT-B-16-SigLIP2"] == "not installed"
    multilingual = _row(models, "xlm-roberta-base-ViT-B-32")
    assert "100" in models.table.item(multilingual, 1).text()
    assert "MB" in models.table.item(multilingual, 2).text()

    models.table.selectRow(_row(models, "ViT-B-32"))
    assert not models.use_button.isEnabled()  # the one in use
    models.table.selectRow(_row(models, "MobileCLIP2-S0"))
    with qtbot.waitSignal(models.use_requested) as used:
        models.use_button.click()
    assert used.args == ["MobileCLIP2-S0"]
    models.table.selectRow(_row(models, "ViT-B-16-SigLIP2"))
    assert models.use_button.text() == "Download ViT-B-16-SigLIP2"
    with qtbot.waitSignal(models.download_requested) as wanted:
        models.use_button.click()
    assert wanted.args == ["ViT-B-16-SigLIP2"]


def test_a_switch_in_progress_says_every_picture_stays_findable(qtbot: QtBot, tmp_path: Path) -> None:
    models = ModelList(tmp_path / "models", current="ViT-B-32")
    qtbot.addWidget(models)
    models.show_switch(SwitchStatus("/m/oracle", "/m/oracle-b", 30, 120))
    assert "30 of 120" in models.switch_label.text() and "25%" in models.switch_label.text()
    assert "oracle finds the others" in models.switch_label.text()
    models.show_switch(None)
    assert models.switch_label.isHidden()
    models.show_disk_use([ModelUse("oracle/seed0", 120, 15_360, 2_000_000), ModelUse("oracle/seed1", 30, 3_840, 0)])
    assert "oracle/seed0 120 (1.9 MB)" in models.disk_label.text() and "oracle/seed1 30" in models.disk_label.text()


def test_speed_here_shows_what_was_measured_and_measure_asks_for_it(qtbot: QtBot, tmp_path: Path,
                                                                     tiny_model_dir: Path) -> None:
    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.model_speed import measure_installed, record_speed

    models_dir = tmp_path / "models"
    shutil.copytree(tiny_model_dir, models_dir / "MobileCLIP2-S0")
    models = ModelList(models_dir, current="ViT-B-32")
    qtbot.addWidget(models)
    speed_col = COLUMNS.index("Speed here")
    row = _row(models, "MobileCLIP2-S0")
    assert models.table.item(row, speed_col).text() == "not measured"
    assert models.table.item(_row(models, "ViT-B-16-SigLIP2"), speed_col).text() == ""  # not here: nothing to time
    models.table.selectRow(_row(models, "ViT-B-16-SigLIP2"))
    assert not models.measure_button.isEnabled()
    models.table.selectRow(row)
    assert models.measure_button.isEnabled()
    with qtbot.waitSignal(models.measure_requested) as asked:
        models.measure_button.click()
    assert asked.args == ["MobileCLIP2-S0"]
    assert models.table.item(row, speed_col).text() == "measuring…" and not models.measure_button.isEnabled()
    img_s = measure_installed(models_dir, "MobileCLIP2-S0")  # what the dialog runs off the GUI thread
    models.measured(img_s)
    assert models.table.item(row, speed_col).text() == f"{img_s:.1f} img/s (model alone)"
    model_id = ModelFolder.load(models_dir / "MobileCLIP2-S0").config.model_id
    record_speed(models_dir, model_id, 3.25, "indexing")
    models.refresh()
    assert models.table.item(row, speed_col).text() == "3.2 img/s (indexing)"


def test_a_switch_line_says_the_time_left(qtbot: QtBot, tmp_path: Path) -> None:
    models = ModelList(tmp_path / "models", current="ViT-B-32")
    qtbot.addWidget(models)
    models.show_switch(SwitchStatus("/m/oracle", "/m/oracle-b", 30, 120, rate=1.5, running=True))
    assert "(25%, about 1 min left)" in models.switch_label.text()
    models.show_switch(SwitchStatus("/m/oracle", "/m/oracle-b", 30, 120, rate=1.5))
    assert "about 1 min of indexing left" in models.switch_label.text()
