"""Model file downloads through huggingface_hub: resumable across runs, checksum-verified.

huggingface_hub does the talking to the hub (URL and endpoint, HEAD metadata: commit,
ETag, size, redirects; the ranged, retried GET; HF_HUB_OFFLINE). It is imported here
only, on an explicit fetch, after switching off its telemetry and implicit token use.

Why not `hf_hub_download`: from huggingface_hub 2.x it writes each try to a process-unique
temporary file and deletes it on failure, so an interrupted download starts over on the
next run. Here the partial file (`<name>.<etag>.part`, next to the destination) survives
the run and the next one continues it with a Range request. The result is checked against
the pinned sha256, else the hub's sha256 ETag (LFS files), and renamed into place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from ..errors import DownloadError

log = logging.getLogger(__name__)

DownloadProgress = Callable[[str, int, int | None], None]  # file name, bytes so far, total
TIMEOUT_S = 30
_CHUNK = 1 << 20
_HUB_ENV = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",  # never send a token found on this machine
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # our callers draw their own
}
OFFLINE_HINT = (
    "fetch the model on a connected machine (`photolens models fetch NAME`, then copy the "
    "models folder over), or export one with the torch extra (`photolens models export NAME`) "
    "and pass --model-path DIR (in the app: Choose model folder…)."
)


@dataclass(frozen=True)
class HubFile:
    repo_id: str
    filename: str  # path inside the repo
    dest: Path
    revision: str = "main"
    sha256: str | None = None  # pinned; else the hub's sha256 ETag where it has one


@dataclass(frozen=True)
class _Remote:
    url: str  # where to GET it
    etag: str
    size: int | None


def quiet_hub_env() -> None:
    """Switch off huggingface_hub's telemetry, implicit tokens and bars; call before importing it."""
    for key, value in _HUB_ENV.items():
        os.environ[key] = value
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None:  # something imported it before us: its settings are read already
        constants.HF_HUB_DISABLE_TELEMETRY = True  # type: ignore[attr-defined]
        constants.HF_HUB_DISABLE_IMPLICIT_TOKEN = True  # type: ignore[attr-defined]
        constants.HF_HUB_DISABLE_PROGRESS_BARS = True  # type: ignore[attr-defined]


def _route_hub_logging() -> None:
    """huggingface_hub's records go through our logging only; its retry notices show with --debug."""
    hub_log = logging.getLogger("huggingface_hub")
    for handler in list(hub_log.handlers):  # the stderr handler it adds to itself on import
        hub_log.removeHandler(handler)
    hub_log.setLevel(logging.DEBUG if log.getEffectiveLevel() <= logging.DEBUG else logging.ERROR)


def _network_errors() -> tuple[type[BaseException], ...]:
    """The HTTP client's transport errors: httpx2 (huggingface_hub 2.x), httpx (1.x), requests."""
    found: list[type[BaseException]] = [ConnectionError, TimeoutError]
    for module, name in (("httpx2", "TransportError"), ("httpx", "TransportError"), ("requests", "RequestException")):
        error = getattr(sys.modules.get(module), name, None)
        if isinstance(error, type) and issubclass(error, BaseException):
            found.append(error)
    return tuple(found)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_sha256(value: str | None) -> bool:
    return value is not None and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


class _Reporting:
    """The file http_get writes to, reporting the bytes on disk after every chunk."""

    def __init__(self, fh: BinaryIO, name: str, total: int | None, progress: DownloadProgress | None):
        self._fh, self._name, self._total, self._progress = fh, name, total, progress

    def write(self, data: bytes) -> int:
        n = self._fh.write(data)
        if self._progress:
            self._progress(self._name, self._fh.tell(), self._total)
        return n

    def tell(self) -> int:
        return self._fh.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._fh.seek(offset, whence)

    def truncate(self, size: int | None = None) -> int:
        return self._fh.truncate(size)


def download(file: HubFile, *, endpoint: str | None = None, progress: DownloadProgress | None = None) -> Path:
    """Download one file (continuing a partial one from an earlier run); returns its path."""
    quiet_hub_env()
    try:
        from huggingface_hub import constants
        from huggingface_hub.file_download import http_get
        from huggingface_hub.utils import build_hf_headers
    except ImportError as exc:
        raise DownloadError(f"Downloading models needs huggingface_hub ({exc}): pip install 'huggingface_hub>=0.23', "
                            f"or {OFFLINE_HINT}") from exc

    _route_hub_logging()
    # 1 MB writes (not 10): a smoother progress bar, and at most 1 MB lost to an interruption
    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, _CHUNK)
    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    remote = _metadata(file, endpoint)
    dest = file.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f"{dest.name}.{remote.etag[:16]}.part")
    for stale in dest.parent.glob(f"{dest.name}.*.part"):  # an earlier version of the file
        if stale != part:
            stale.unlink()
    have = part.stat().st_size if part.exists() else 0
    if remote.size is not None and have > remote.size:
        part.unlink()
        have = 0
    if have:
        log.info("resuming %s at %d of %s bytes", file.filename, have, remote.size)
    interrupted: tuple[type[BaseException], ...] = (*_network_errors(), OSError)  # HTTP errors are OSErrors
    try:
        with open(part, "ab") as fh:
            writer = _Reporting(fh, file.filename, remote.size, progress)
            http_get(remote.url, cast(BinaryIO, writer), resume_size=have, headers=build_hf_headers(token=False),
                     expected_size=remote.size, displayed_filename=file.filename)
    except interrupted as exc:
        kept = part.stat().st_size if part.exists() else 0
        at = f" (from {kept / 1e6:.1f} MB)" if kept else ""
        raise DownloadError(f"Download of {file.filename} from {endpoint} was interrupted ({_line(exc)}); "
                            f"run the command again to resume{at}") from exc
    return _finish(part, dest, file.sha256 or (remote.etag if _is_sha256(remote.etag) else None))


def _metadata(file: HubFile, endpoint: str) -> _Remote:
    """The file's commit, ETag and size from a HEAD request, and the URL to GET it from."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.utils import HfHubHTTPError

    url = hf_hub_url(file.repo_id, file.filename, revision=file.revision, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, token=False, timeout=TIMEOUT_S)
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise DownloadError(f"{endpoint} answered HTTP {status} for {file.repo_id}/{file.filename}; "
                            f"try again later, or {OFFLINE_HINT}") from exc
    except _network_errors() as exc:
        raise DownloadError(f"Cannot reach {endpoint} ({_line(exc)}). You seem to be offline: {OFFLINE_HINT}") from exc
    if not meta.etag or not meta.commit_hash:
        raise DownloadError(f"{endpoint} does not answer like a Hugging Face hub (no ETag or X-Repo-Commit for {url})")
    # like hf_hub_download: the redirect target found by HEAD, except for Xet-stored files
    source = url if getattr(meta, "xet_file_data", None) or not meta.location else meta.location
    return _Remote(source, meta.etag, meta.size)


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _finish(part: Path, dest: Path, sha256: str | None) -> Path:
    if sha256:
        got = _sha256(part)
        if got != sha256:
            part.unlink(missing_ok=True)
            raise DownloadError(f"Checksum mismatch for {dest.name}: expected sha256 {sha256}, got {got}; "
                                "the bad file was deleted: run the command again to download it afresh")
    os.replace(part, dest)
    log.info("downloaded %s", dest)
    return dest
