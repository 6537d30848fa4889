"""Resumable, checksum-verified HTTP downloads (no hub client needed).

Files are fetched from a Hugging Face-style `resolve` URL into `<name>.part`, resumed
with a Range request after an interruption, verified against the expected sha256 (pinned
in the registry, or the hub's X-Linked-Etag for LFS files) and renamed into place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import DownloadError

log = logging.getLogger(__name__)

DownloadProgress = Callable[[str, int, int | None], None]  # file name, bytes so far, total
_CHUNK = 1 << 20
TIMEOUT_S = 30


@dataclass(frozen=True)
class RemoteFile:
    url: str
    dest: Path
    sha256: str | None = None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(remote: RemoteFile, progress: DownloadProgress | None = None) -> Path:
    """Download one file (resuming a previous partial download); returns its path."""
    dest = remote.dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(remote.url, headers={"User-Agent": "photolens"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 - https/http only
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # already complete
            return _finish(part, dest, remote.sha256, None)
        raise DownloadError(f"Download of {remote.url} failed: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"Cannot reach {remote.url} ({reason}). You seem to be offline: fetch the model on a "
            "connected machine, or export one with the torch extra, and pass --model-path DIR."
        ) from exc
    with response:
        status = getattr(response, "status", 200)
        if have and status != 206:  # server ignored the range: start over
            have = 0
        total_header = response.headers.get("Content-Length")
        total = have + int(total_header) if total_header else None
        expected = remote.sha256 or _linked_etag(response.headers.get("X-Linked-Etag"))
        mode = "ab" if have else "wb"
        done = have
        try:
            with open(part, mode) as fh:
                while chunk := response.read(_CHUNK):
                    fh.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(dest.name, done, total)
        except OSError as exc:
            raise DownloadError(f"Download of {remote.url} interrupted ({exc}); run the command again to resume") from exc
    if total is not None and done < total:
        raise DownloadError(f"Download of {remote.url} stopped at {done} of {total} bytes; run again to resume")
    return _finish(part, dest, expected, total)


def _linked_etag(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().strip('"')
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else None


def _finish(part: Path, dest: Path, sha256: str | None, total: int | None) -> Path:
    if sha256:
        got = _sha256(part)
        if got != sha256:
            part.unlink(missing_ok=True)
            raise DownloadError(f"Checksum mismatch for {dest.name}: expected {sha256}, got {got}; the file was deleted, run again")
    os.replace(part, dest)
    log.info("downloaded %s", dest)
    return dest
