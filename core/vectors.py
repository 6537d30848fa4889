"""Vector index per model: usearch (cosine, float16), derived from SQLite and saved atomically.

Search is exact (brute force over the float16 vectors, SIMD in usearch) up to
EXACT_SEARCH_MAX items and HNSW above. Where the threshold comes from (2-core CI box,
512-d, f16): exact search took 0.8 ms at 10k and 10.5 ms at 100k items (numpy f32: 12 ms),
so up to 250k it stays within ~30 ms, well inside the 60 ms query budget, and is always
correct; HNSW answered in ~4 ms at 100k but with visibly lower recall on hard data, so
it is used only where exact search would blow the budget.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import xxhash

# isort: off
from . import ort_runtime  # noqa: F401 - onnxruntime must load before usearch (see ort_runtime)
from usearch.index import Index
# isort: on

from .errors import StorageError

log = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 250_000
EXPANSION_SEARCH = 512
CHECK_SUFFIX = ".check"  # the saved file's size and xxh3 digest, written with it


def file_digest(path: Path) -> str:
    """xxh3-64 of a file, memory-mapped (a 1M-item index, 1.2 GB: 0.40-0.49 s here; read
    in chunks it took 1.2-1.3 s)."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return xxhash.xxh3_64(b"").hexdigest()
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return xxhash.xxh3_64(mapped).hexdigest()


def _check_path(path: Path) -> Path:
    return path.with_name(path.name + CHECK_SUFFIX)


def verify_saved(path: Path) -> str | None:
    """Why the saved index cannot be trusted (None: it is the file that was saved).

    usearch trusts its file: a few damaged bytes in the graph crash the process (a
    segmentation fault), hang it or exhaust memory on the next insert. So every save
    records the file's size and digest, and a file that does not match is never loaded."""
    check = _check_path(path)
    try:
        expected = json.loads(check.read_text(encoding="utf-8"))
        size, digest = int(expected["size"]), str(expected["xxh3_64"])
    except FileNotFoundError:
        return None  # saved before checks existed: the next save writes one
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"its check file is unreadable ({exc})"
    actual = path.stat().st_size
    if actual != size:
        return f"it has {actual} bytes where {size} were saved"
    if file_digest(path) != digest:
        return "its content changed since it was saved"
    return None


class VectorStore:
    """Item id -> vector, searchable; a cache of SQLite's embeddings table."""

    def __init__(self, path: Path, dim: int):
        self.path = Path(path)
        self.dim = dim
        self.index = self._new_index()
        self.dirty = False
        self._viewed = False  # memory-mapped from self.path (read-only) until the first write
        self.damaged: str | None = None  # why the saved file was found damaged (and rebuilt)

    def _new_index(self) -> Index:
        # expansion_search 512: on a clustered 1M x 512 library (tests/bench/query_latency.py)
        # 128 found 0-100% of the exact top 50 depending on the query, 512 found 94-100%
        # for ~5 ms a search instead of ~2.5 ms.
        return Index(ndim=self.dim, metric="cos", dtype="f16", connectivity=16, expansion_add=64,
                     expansion_search=EXPANSION_SEARCH)

    def __len__(self) -> int:
        return len(self.index)

    def load(self, *, view: bool = False) -> bool:
        """Load the saved index; False (and an empty index) if missing or unreadable.

        view=True memory-maps the file instead of reading it (a 1M-item index opens in
        milliseconds instead of seconds and only touched pages use memory); the first
        write then loads it for real.
        """
        if not self.path.exists():
            return False
        damage = verify_saved(self.path)
        if damage is not None:
            log.warning("vector index %s is damaged (%s): it is deleted and rebuilt from the catalog, where "
                        "every vector is kept", self.path, damage)
            self.path.unlink(missing_ok=True)
            _check_path(self.path).unlink(missing_ok=True)
            self.index = self._new_index()
            self._viewed = False
            self.damaged = damage
            return False
        try:
            index = self._read(view=view)
        except Exception as exc:  # a damaged index is rebuilt from SQLite, never fatal
            log.warning("vector index %s unusable (%s); it will be rebuilt from the catalog", self.path, exc)
            self.index = self._new_index()
            self._viewed = False
            return False
        self.index = index
        self._viewed = view
        return True

    def _read(self, *, view: bool) -> Index:
        """The saved index, memory-mapped or read into memory, with the engine's search setting."""
        index = self._new_index()
        if view:
            index.view(str(self.path))
        else:
            index.load(str(self.path))
        if index.ndim != self.dim:
            raise ValueError(f"index has {index.ndim} dimensions, model has {self.dim}")
        index.expansion_search = EXPANSION_SEARCH  # type: ignore[misc]  # a loaded file brings its own
        return index

    def _make_writable(self) -> None:
        if self._viewed:
            self.index = self._read(view=False)
            self._viewed = False

    def key_summary(self) -> tuple[int, int, int]:
        """(count, sum, max) of the keys: compared with the catalog's to skip a full sync."""
        keys = self.keys()
        if len(keys) == 0:
            return (0, 0, 0)
        return (len(keys), int(keys.sum(dtype=np.uint64)), int(keys.max()))

    def keys(self) -> np.ndarray:
        if len(self.index) == 0:
            return np.zeros(0, dtype=np.uint64)
        return np.asarray(self.index.keys, dtype=np.uint64)

    def add(self, keys: np.ndarray, vectors: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if len(keys) == 0:
            return
        self._make_writable()
        present = np.asarray(self.index.contains(keys), dtype=bool).reshape(-1)
        if present.any():
            self.index.remove(keys[present])
        self.index.add(keys, np.asarray(vectors, dtype=np.float32))
        self.dirty = True

    def remove(self, keys: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.uint64)
        if len(keys):
            self._make_writable()
            self.index.remove(keys)
            self.dirty = True

    def sync(self, sqlite_keys: np.ndarray, fetch: Callable[[np.ndarray], Iterator[tuple[np.ndarray, np.ndarray]]]) -> tuple[int, int]:
        """Make the index hold exactly `sqlite_keys`: add the missing ones (vectors from
        `fetch(missing_keys)`, no re-embedding), drop the extra ones. Returns (added, removed)."""
        ours = self.keys()
        missing = np.setdiff1d(sqlite_keys, ours, assume_unique=True)
        extra = np.setdiff1d(ours, sqlite_keys, assume_unique=True)
        if len(extra):
            self.remove(extra)
        added = 0
        if len(missing):
            for keys, vecs in fetch(missing):
                self.add(keys, vecs)
                added += len(keys)
        return added, len(extra)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (keys, cosine similarities), best first; `allowed` restricts to those keys."""
        n = len(self.index)
        if n == 0 or k <= 0:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.uint64)
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
            if len(allowed) <= max(EXACT_SEARCH_MAX // 10, 4 * k):
                return self._search_subset(q, k, allowed)
            # large subset: over-fetch from the whole index, then filter
            fetch = min(n, max(k * 8, 256))
            while True:
                keys, sims = self._search_all(q, fetch)
                mask = np.isin(keys, allowed)
                if mask.sum() >= k or fetch >= n:
                    return keys[mask][:k], sims[mask][:k]
                fetch = min(n, fetch * 4)
        return self._search_all(q, min(k, n))

    def _search_all(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        exact = len(self.index) <= EXACT_SEARCH_MAX
        m = self.index.search(q, k, exact=exact)
        return np.asarray(m.keys, dtype=np.uint64), (1.0 - np.asarray(m.distances, dtype=np.float32))

    def _search_subset(self, q: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        present = allowed[np.asarray(self.index.contains(allowed), dtype=bool).reshape(-1)]
        if len(present) == 0:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.float32)
        vecs = np.asarray(self.index.get(present), dtype=np.float32).reshape(len(present), -1)
        vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        sims = vecs @ q
        top = np.argsort(-sims, kind="stable")[:k]
        return present[top], sims[top]

    def vectors(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, dtype=np.uint64)
        return np.asarray(self.index.get(keys), dtype=np.float32).reshape(len(keys), -1)

    def save(self) -> None:
        """Write to a temp file, fsync, rename: a crash or a full disk keeps the old file."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        try:
            self.index.save(str(tmp))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            check = {"size": tmp.stat().st_size, "xxh3_64": file_digest(tmp)}
            os.replace(tmp, self.path)
            # a crash between the two renames leaves a check that does not match: the index
            # is then rebuilt from the catalog (slow, never wrong)
            check_tmp = _check_path(tmp)
            check_tmp.write_text(json.dumps(check), encoding="utf-8")
            os.replace(check_tmp, _check_path(self.path))
        except (OSError, RuntimeError) as exc:  # usearch reports a full disk as RuntimeError
            tmp.unlink(missing_ok=True)
            raise StorageError(
                f"Could not save the vector index to {self.path} ({getattr(exc, 'strerror', None) or exc}); the previous "
                "index is intact and no work is lost (vectors are in the catalog). Free some disk space."
            ) from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.dirty = False
