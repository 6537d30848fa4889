"""A local stand-in for the Hugging Face Hub's `resolve` endpoint, for download tests.

Answers the HEAD and GET requests huggingface_hub makes for
`{endpoint}/{repo_id}/resolve/{revision}/{filename}` from files under `root/{repo_id}/`,
with the headers it relies on (X-Repo-Commit, ETag / X-Linked-Etag, X-Linked-Size,
Content-Length, Accept-Ranges) and Range requests (206 + Content-Range).

Fault injection: `cut[filename] = n` makes the next GET of that file announce the whole
body, send n bytes and drop the connection; from then on the hub is "down" (503 to every
request) until `down` is set back to False, as when a network goes away mid-download.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

COMMIT = "0123456789abcdef0123456789abcdef01234567"
_RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<file>.+)$")


@dataclass
class FakeHub:
    url: str
    root: Path
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range
    tokens: list[str] = field(default_factory=list)  # Authorization headers received
    cut: dict[str, int] = field(default_factory=dict)
    down: bool = False

    def add(self, repo_id: str, filename: str, data: bytes) -> Path:
        path = self.root / repo_id / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    def add_immich_pack(self, repo_id: str, model_dir: Path) -> None:
        """An Immich-style ONNX pack made from one of our model folders (see registry.fetch)."""
        ours = json.loads((model_dir / "config.json").read_text())
        self.add(repo_id, "config.json", json.dumps(
            {"embed_dim": ours["dim"], "text_cfg": {"context_length": ours["context_length"]}}).encode())
        self.add(repo_id, "visual/preprocess_cfg.json", json.dumps(
            {"size": [ours["image_size"]] * 2, "mean": ours["mean"], "std": ours["std"]}).encode())
        self.add(repo_id, "visual/model.onnx", (model_dir / "visual.onnx").read_bytes())
        self.add(repo_id, "textual/model.onnx", (model_dir / "textual.onnx").read_bytes())
        self.add(repo_id, "textual/tokenizer.json", (model_dir / "tokenizer.json").read_bytes())

    def gets(self, filename: str) -> list[str | None]:
        """The Range header of every GET of `filename` (None: the whole file)."""
        return [rng for method, path, rng in self.requests if method == "GET" and path.endswith("/" + filename)]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:  # noqa: N802 - http.server API
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self._answer(head=False)

    def _answer(self, *, head: bool) -> None:
        hub = self.server.hub
        hub.requests.append((self.command, self.path, self.headers.get("Range")))
        if self.headers.get("Authorization"):
            hub.tokens.append(self.headers["Authorization"])
        match = _RESOLVE.match(self.path)
        path = hub.root / match["repo"] / match["file"] if match else None
        if hub.down:
            self._empty(503)
            return
        if path is None or not path.is_file():
            self._empty(404, {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
            return
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        start = 0
        status = 200
        rng = self.headers.get("Range")
        if rng and not head:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(data):
                self._empty(416, {"Content-Range": f"bytes */{len(data)}"})
                return
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("ETag", f'"{digest}"')
        self.send_header("X-Linked-Etag", f'"{digest}"')
        self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if head:
            return
        name = match["file"] if match else ""
        if name in hub.cut:
            self.wfile.write(body[: hub.cut.pop(name)])
            self.wfile.flush()
            hub.down = True
            self.close_connection = True
            return
        self.wfile.write(body)

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    hub: FakeHub


@contextmanager
def serve(root: Path) -> Iterator[FakeHub]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.hub = FakeHub(f"http://127.0.0.1:{server.server_address[1]}", root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.hub
    finally:
        server.shutdown()
        server.server_close()
