"""The model panel's Download button, through huggingface_hub against a local fake hub."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from photolens.core.embed import registry
from photolens.desktop.model_panel import ModelDownloader, ModelInfo, ModelPanel
from tests.fake_hub import serve

MISSING = ModelInfo("ViT-B-32", False, None, "not installed", True)


def test_download_button_installs_the_model_with_a_progress_bar(qtbot: QtBot, tmp_path: Path, tiny_model_dir: Path) -> None:
    spec = registry.known("ViT-B-32")
    assert spec is not None
    with serve(tmp_path / "hub") as hub:
        hub.add_immich_pack(spec.hub_repo, tiny_model_dir)
        downloader = ModelDownloader(tmp_path / "models", hub_url=hub.url)
        panel = ModelPanel(MISSING, downloader)
        qtbot.addWidget(panel)
        seen: list[tuple[str, int, object]] = []
        downloader.progress.connect(lambda name, done, total: seen.append((name, done, total)))
        with qtbot.waitSignal(downloader.finished, timeout=60_000):
            panel.download_button.click()
        assert downloader.shutdown()
    assert panel.info.installed and registry.is_installed(tmp_path / "models", "ViT-B-32")
    assert panel.progress_label.text() == "Downloaded." and panel.progress.maximum() == 1000
    assert {name for name, _d, _t in seen} >= {"visual/model.onnx", "textual/model.onnx"}
    assert all(isinstance(total, int) and done <= total for _n, done, total in seen)


def test_download_without_a_network_says_what_to_do(qtbot: QtBot, tmp_path: Path) -> None:
    downloader = ModelDownloader(tmp_path / "models", hub_url="http://127.0.0.1:9")
    panel = ModelPanel(MISSING, downloader)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(downloader.failed, timeout=60_000):
        panel.download_button.click()
    assert downloader.shutdown()
    text = panel.progress_label.text()
    # in the app's words: what happened and what to do; no URL, error number or command line
    assert text.startswith("The download did not work:") and "offline" in text and "Choose model folder" in text
    assert not any(s in text for s in ("http", "127.0.0.1", "Errno", "--", "`"))
    assert panel.download_button.isEnabled() and panel.download_button.text() == "Try again"
    assert not panel.info.installed
