"""The long reliability soak (issue 13): `photolens watch` over a folder that keeps changing,
searches running beside it, and the watcher killed (kill -9) or interrupted (Ctrl-C) at
random moments, for MINUTES. At the end the library must be whole: every file on disk
indexed once, nothing pending or failed, vectors for every item, the catalog's integrity
check passing.

    python -m tests.soak.watch_soak --minutes 30 [--seed 1] [--json OUT]

Uses the oracle model fixture (no torch needed). Prints what it did and what it found.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def cli(data: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=timeout)


def picture(path: Path, n: int) -> None:
    from tests.oracle import scenes

    rng = scenes.scene_rng(10_000 + n)
    scenes.render(scenes.random_scene(rng), 96, rng).save(path, quality=85)


def start_watch(data: Path, photos: Path, log) -> subprocess.Popen[str]:  # noqa: ANN001
    return subprocess.Popen([sys.executable, "-m", "photolens.core.cli", "--data-dir", str(data), "watch",
                             str(photos), "--model-path", str(ORACLE)], stdout=log, stderr=log, text=True)


def vector_keys(data: Path) -> set[int] | None:
    """The keys of the saved vector index, read as the app reads it (its check sidecar
    verified first); None if it does not load."""
    from photolens.core.vectors import VectorStore

    found = sorted(data.glob("vectors-*.usearch"))
    if len(found) != 1:
        return None
    dim = json.loads((ORACLE / "config.json").read_text())["dim"]
    store = VectorStore(found[0], dim)
    if not store.load():
        return None
    return {int(k) for k in store.keys()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="photolens-soak-"))
    photos, data = work / "photos", work / "data"
    (photos / "a").mkdir(parents=True)
    (photos / "b").mkdir()
    made = 0
    for _ in range(60):
        picture(photos / rng.choice("ab") / f"p{made:05d}.jpg", made)
        made += 1
    counts = {"copied": 0, "deleted": 0, "moved": 0, "searches": 0, "search_failures": 0, "kills": 0,
              "interrupts": 0, "watch_starts": 0, "bad_exits": 0}
    failures: list[str] = []
    log = open(work / "watch.log", "a")  # noqa: SIM115 - open for the whole run
    end = time.monotonic() + args.minutes * 60
    watcher = start_watch(data, photos, log)
    counts["watch_starts"] += 1
    next_stop = time.monotonic() + rng.uniform(20, 90)
    while time.monotonic() < end:
        files = sorted(photos.rglob("*.jpg"))
        action = rng.random()
        if action < 0.35:  # a burst of new pictures, copies of others included
            for _ in range(rng.randint(1, 8)):
                target = photos / rng.choice("ab") / f"p{made:05d}.jpg"
                if files and rng.random() < 0.3:
                    shutil.copy(rng.choice(files), target)
                else:
                    picture(target, made)
                made += 1
                counts["copied"] += 1
        elif action < 0.5 and len(files) > 20:
            for victim in rng.sample(files, rng.randint(1, 4)):
                victim.unlink(missing_ok=True)
                counts["deleted"] += 1
        elif action < 0.6 and files:
            src = rng.choice(files)
            dest = photos / ("b" if src.parent.name == "a" else "a") / src.name
            if not dest.exists():
                src.rename(dest)
                counts["moved"] += 1
        else:
            out = cli(data, "search", rng.choice(["a red circle", "blue square", "a star", "green"]), "--json",
                      "--model-path", str(ORACLE))
            counts["searches"] += 1
            if out.returncode != 0 or "Traceback" in out.stderr:
                # the writer may hold the catalog for a moment; anything else is a failure
                counts["search_failures"] += 1
                failures.append(f"search: rc {out.returncode}: {out.stderr.strip()[-300:]}")
        if time.monotonic() >= next_stop:
            if rng.random() < 0.5:
                watcher.kill()
                counts["kills"] += 1
            else:
                watcher.send_signal(signal.SIGINT)
                counts["interrupts"] += 1
            try:
                code = watcher.wait(timeout=60)
            except subprocess.TimeoutExpired:
                failures.append("the watcher did not stop within 60 s of Ctrl-C")
                watcher.kill()
                code = watcher.wait()
            if code not in (0, 130, -signal.SIGKILL, 2):
                counts["bad_exits"] += 1
                failures.append(f"watch exited with {code}")
            watcher = start_watch(data, photos, log)
            counts["watch_starts"] += 1
            next_stop = time.monotonic() + rng.uniform(20, 90)
        time.sleep(rng.uniform(0.2, 2.0))
    watcher.send_signal(signal.SIGINT)
    watcher.wait(timeout=120)
    log.close()
    settle = cli(data, "index", "--model-path", str(ORACLE), timeout=600)
    if settle.returncode != 0:
        failures.append(f"final index: {settle.stderr.strip()[-300:]}")
    status = json.loads(cli(data, "status", "--json", "--model-path", str(ORACLE)).stdout)
    on_disk = {str(p.resolve()) for p in photos.rglob("*.jpg")}
    with sqlite3.connect(data / "catalog.db") as conn:
        indexed = {r[0] for r in conn.execute("SELECT path FROM files WHERE status = 'indexed'")}
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        items_without_vector = conn.execute(
            "SELECT count(*) FROM items i WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.item_id = i.id)"
        ).fetchone()[0]
    if indexed != on_disk:
        failures.append(f"indexed != on disk: {len(indexed - on_disk)} extra, {len(on_disk - indexed)} missing")
    if status["pending"] or status["error_count"]:
        failures.append(f"pending {status['pending']}, errors {status['error_count']}")
    if integrity != "ok":
        failures.append(f"integrity check: {integrity}")
    if items_without_vector:
        failures.append(f"{items_without_vector} items without a vector")
    keys = vector_keys(data)
    with sqlite3.connect(data / "catalog.db") as conn:
        catalog_keys = {r[0] for r in conn.execute("SELECT item_id FROM embeddings")}
    if keys is None:
        failures.append("the vector index file does not load or fails its check")
    elif keys != catalog_keys:
        failures.append(f"vector index and catalog disagree: {len(keys - catalog_keys)} extra, "
                        f"{len(catalog_keys - keys)} missing")
    result = {"minutes": args.minutes, "files_at_end": len(on_disk), "vectors": len(keys or ()), **counts,
              "failures": failures}
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if not failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept for inspection: {work}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("PHOTOLENS_ANALYZERS", "")
    raise SystemExit(main())
