"""Model download against a local fake hub: resume, checksum, layout conversion, offline."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from photolens.core.embed import registry
from photolens.core.embed.download import RemoteFile, download
from photolens.core.embed.model_files import ModelFolder
from photolens.core.errors import DownloadError


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder like a hub's resolve endpoint, honouring Range and sending X-Linked-Etag."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        root = Path(self.server.root)  # type: ignore[attr-defined]
        repo, _, rel = self.path.lstrip("/").partition("/resolve/main/")
        path = root / repo / rel if (root / repo).is_dir() else root / rel
        if not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self.send_error(416)
                return
            self.send_response(206)
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Linked-Etag", '"' + hashlib.sha256(data).hexdigest() + '"')
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def fake_hub(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "hub"
    root.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.root = str(root)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()


def test_download_resumes_a_partial_file(fake_hub: tuple[str, Path], tmp_path: Path) -> None:
    url, root = fake_hub
    payload = bytes(range(256)) * 5000
    (root / "big.bin").write_bytes(payload)
    dest = tmp_path / "out" / "big.bin"
    dest.parent.mkdir()
    (dest.parent / "big.bin.part").write_bytes(payload[:300_000])  # an interrupted earlier try
    seen: list[int] = []
    download(RemoteFile(f"{url}/repo/resolve/main/big.bin", dest), lambda _n, done, _t: seen.append(done))
    assert dest.read_bytes() == payload
    assert seen[0] > 300_000  # it continued, it did not start over


def test_checksum_mismatch_is_refused(fake_hub: tuple[str, Path], tmp_path: Path) -> None:
    url, root = fake_hub
    (root / "f.bin").write_bytes(b"hello")
    with pytest.raises(DownloadError, match="Checksum mismatch"):
        download(RemoteFile(f"{url}/r/resolve/main/f.bin", tmp_path / "f.bin", sha256="0" * 64))
    assert not (tmp_path / "f.bin").exists()


def test_fetch_installs_an_immich_style_pack(fake_hub: tuple[str, Path], tmp_path: Path, tiny_model_dir: Path) -> None:
    url, root = fake_hub
    spec = registry.known("ViT-B-32")
    assert spec is not None
    pack = root / spec.hub_repo
    (pack / "visual").mkdir(parents=True)
    (pack / "textual").mkdir()
    ours = json.loads((tiny_model_dir / "config.json").read_text())
    (pack / "config.json").write_text(json.dumps({"embed_dim": ours["dim"], "text_cfg": {"context_length": ours["context_length"]}}))
    (pack / "visual" / "preprocess_cfg.json").write_text(json.dumps({"size": [ours["image_size"]] * 2, "mean": ours["mean"], "std": ours["std"]}))
    (pack / "visual" / "model.onnx").write_bytes((tiny_model_dir / "visual.onnx").read_bytes())
    (pack / "textual" / "model.onnx").write_bytes((tiny_model_dir / "textual.onnx").read_bytes())
    (pack / "textual" / "tokenizer.json").write_bytes((tiny_model_dir / "tokenizer.json").read_bytes())
    folder = registry.fetch(tmp_path / "models", "ViT-B-32", hub_url=url)
    assert folder.config.name == "ViT-B-32" and folder.config.dim == ours["dim"]
    assert folder.config.sot_token_id == ours["sot_token_id"]
    from photolens.core.embed.onnx_backend import OnnxEmbedder

    assert OnnxEmbedder(ModelFolder.load(folder.path)).embed_texts(["a cat"]).shape == (1, ours["dim"])
    assert registry.is_installed(tmp_path / "models", "ViT-B-32")


def test_unreachable_hub_says_offline(tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="offline"):
        registry.fetch(tmp_path, "ViT-B-32", hub_url="http://127.0.0.1:9")
