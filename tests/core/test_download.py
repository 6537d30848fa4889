"""Model download through huggingface_hub against a local fake hub (tests/fake_hub.py):
resume on the next run, checksums, the staged install, offline and hub errors."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from photolens.core.embed import registry
from photolens.core.embed.download import HubFile, download
from photolens.core.embed.model_files import ModelFolder
from photolens.core.errors import DownloadError
from tests.fake_hub import FakeHub, serve

REPO = "org/model"
MB = 1 << 20


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[FakeHub]:
    with serve(tmp_path / "hub") as fake:
        yield fake


def _payload(size: int) -> bytes:
    block = hashlib.sha256(b"photolens").digest() * 32  # 1 KiB, not all one byte
    return (block * (size // len(block) + 1))[:size]


def test_an_interrupted_download_resumes_on_the_next_run(hub: FakeHub, tmp_path: Path) -> None:
    payload = _payload(6 * MB)
    hub.add(REPO, "big.bin", payload)
    hub.cut["big.bin"] = 4 * MB + 1000  # written in 1 MB chunks: 4 MB are on disk when the connection drops
    dest = tmp_path / "out" / "big.bin"
    with pytest.raises(DownloadError, match="run the command again to resume"):
        download(HubFile(REPO, "big.bin", dest), endpoint=hub.url)
    parts = list(dest.parent.glob("big.bin.*.part"))
    assert not dest.exists() and len(parts) == 1
    kept = parts[0].stat().st_size
    assert kept == 4 * MB and payload.startswith(parts[0].read_bytes())

    hub.down = False  # the network is back; the next run continues where the first stopped
    before = len(hub.gets("big.bin"))
    seen: list[tuple[int, int | None]] = []
    download(HubFile(REPO, "big.bin", dest), endpoint=hub.url, progress=lambda _n, done, total: seen.append((done, total)))
    assert dest.read_bytes() == payload
    assert hub.gets("big.bin")[before:] == [f"bytes={kept}-"]
    assert seen[0][0] > kept and seen[-1] == (len(payload), len(payload))
    assert not list(dest.parent.glob("*.part"))


def test_pinned_checksum_mismatch_deletes_the_file(hub: FakeHub, tmp_path: Path) -> None:
    hub.add(REPO, "f.bin", b"hello")
    dest = tmp_path / "f.bin"
    with pytest.raises(DownloadError, match="Checksum mismatch for f.bin.*deleted"):
        download(HubFile(REPO, "f.bin", dest, sha256="0" * 64), endpoint=hub.url)
    assert list(tmp_path.iterdir()) == [tmp_path / "hub"]  # neither the file nor its .part
    download(HubFile(REPO, "f.bin", dest, sha256=hashlib.sha256(b"hello").hexdigest()), endpoint=hub.url)
    assert dest.read_bytes() == b"hello"


def test_a_corrupt_partial_file_fails_the_hub_checksum_and_is_fetched_afresh(hub: FakeHub, tmp_path: Path) -> None:
    payload = _payload(MB)
    hub.add(REPO, "f.bin", payload)
    dest = tmp_path / "out" / "f.bin"
    dest.parent.mkdir()
    etag = hashlib.sha256(payload).hexdigest()
    (dest.parent / f"f.bin.{etag[:16]}.part").write_bytes(b"x" * 1000)  # garbage from an earlier run
    with pytest.raises(DownloadError, match="Checksum mismatch"):
        download(HubFile(REPO, "f.bin", dest), endpoint=hub.url)  # checked against the hub's sha256 ETag
    assert not list(dest.parent.iterdir())
    download(HubFile(REPO, "f.bin", dest), endpoint=hub.url)
    assert dest.read_bytes() == payload and hub.gets("f.bin")[-1] is None


def test_fetch_installs_an_immich_style_pack(hub: FakeHub, tmp_path: Path, tiny_model_dir: Path) -> None:
    spec = registry.known("ViT-B-32")
    assert spec is not None
    hub.add_immich_pack(spec.hub_repo, tiny_model_dir)
    files: dict[str, tuple[int, int | None]] = {}
    folder = registry.fetch(tmp_path / "models", "ViT-B-32", hub_url=hub.url,
                            progress=lambda name, done, total: files.__setitem__(name, (done, total)))
    ours = ModelFolder.load(tiny_model_dir).config
    assert folder.config.name == "ViT-B-32" and folder.config.dim == ours.dim
    assert folder.config.sot_token_id == ours.sot_token_id
    from photolens.core.embed.onnx_backend import OnnxEmbedder

    assert OnnxEmbedder(ModelFolder.load(folder.path)).embed_texts(["a cat"]).shape == (1, ours.dim)
    assert registry.is_installed(tmp_path / "models", "ViT-B-32")
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["ViT-B-32"]  # staging folders gone
    assert set(files) == {"config.json", "visual/preprocess_cfg.json", "visual/model.onnx", "textual/model.onnx",
                          "textual/tokenizer.json"}  # the last report of each file: all of it
    assert files["visual/model.onnx"] == ((tiny_model_dir / "visual.onnx").stat().st_size,) * 2
    assert all(done == total for done, total in files.values())
    assert not hub.tokens  # no token was sent, even if this machine has one
    registry.fetch(tmp_path / "models", "ViT-B-32", hub_url=hub.url)  # again, over the installed one
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["ViT-B-32"]
    assert registry.is_installed(tmp_path / "models", "ViT-B-32")


def test_an_interrupted_fetch_keeps_the_files_it_finished(hub: FakeHub, tmp_path: Path, tiny_model_dir: Path) -> None:
    spec = registry.known("ViT-B-32")
    assert spec is not None
    hub.add_immich_pack(spec.hub_repo, tiny_model_dir)
    hub.cut["textual/model.onnx"] = 10
    with pytest.raises(DownloadError, match="resume"):
        registry.fetch(tmp_path / "models", "ViT-B-32", hub_url=hub.url)
    staging = tmp_path / "models" / ".ViT-B-32.download"
    assert (staging / "visual" / "model.onnx").is_file() and not (tmp_path / "models" / "ViT-B-32").exists()
    hub.down = False
    registry.fetch(tmp_path / "models", "ViT-B-32", hub_url=hub.url)
    assert len(hub.gets("visual/model.onnx")) == 1  # not downloaded twice
    assert registry.is_installed(tmp_path / "models", "ViT-B-32") and not staging.exists()


def test_a_file_missing_on_the_hub_is_named(hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match=r"HTTP 404 for org/model/nothing\.bin"):
        download(HubFile(REPO, "nothing.bin", tmp_path / "nothing.bin"), endpoint=hub.url)


def test_unreachable_hub_says_offline_and_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="offline") as info:
        registry.fetch(tmp_path, "ViT-B-32", hub_url="http://127.0.0.1:9")
    assert "--model-path" in str(info.value) and "photolens models export" in str(info.value)


def test_without_huggingface_hub_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # as if it were not installed
    with pytest.raises(DownloadError, match="pip install 'huggingface_hub") as info:
        download(HubFile(REPO, "f.bin", tmp_path / "f.bin"), endpoint="http://127.0.0.1:9")
    assert "--model-path" in str(info.value)
