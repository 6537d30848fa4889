"""Finding the moment in a video, with the oracle model: is the video found, at the right time?

12 clips of 4 scenes each (3 s per scene, held-out seeds, photo style): every (shape, colour)
pair appears in exactly one clip, at one known time. They are indexed with the oracle's
96-picture gallery (tests/e2e/oracle_gallery.py) as distractors. For each pair the query
"a <colour> <shape>" is run through `Library.search`:

- video R@k: the clip that shows it is among the first k results. Pictures compete: the
  gallery has 2 pictures of every pair, so 3 results are right and R@3 is the fair one;
- moment: the frame the result points at lies inside that scene.

It also compares how a clip's frame scores become one clip score (LITERATURE.md, "A
CLIP-Hitchhiker's Guide to Long Video Retrieval"): max (the engine's), the mean, and the
query-weighted softmax pooling, ranking the 12 clips against each other.

    python tests/bench/video_eval.py [--json FILE]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import REPO, base_parser, machine_info, print_machine, write_json  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
KS = (1, 3, 5, 10)
POOLING_TAUS = (0.01, 0.03, 0.1)


def pooled(sims: np.ndarray, how: str, tau: float = 0.0) -> float:
    if how == "max":
        return float(sims.max())
    if how == "mean":
        return float(sims.mean())
    w = np.exp((sims - sims.max()) / tau)
    return float((w * sims).sum() / w.sum())


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Video moment retrieval with the oracle model.")
    args = p.parse_args(argv)
    print_machine(machine_info(), "oracle video moments")
    model = Path(args.model_path) if args.model_path else ORACLE
    if not (model / "config.json").is_file():
        print(f"no model at {model}: train it with `python -m tests.oracle.train --out {ORACLE}`")
        return 1
    from photolens.core.embed.base import l2_normalize
    from photolens.core.library import Library
    from photolens.core.query.model import SearchQuery
    from tests.e2e import oracle_gallery as og

    cache = Path(args.cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="video-eval-", dir=cache))
    try:
        t0 = time.perf_counter()
        clips = og.build_clips(tmp / "gallery" / "clips", stride=6 if args.smoke else 1)
        manifest = og.build_gallery(tmp / "gallery")
        lib = Library.open(tmp / "library", model_path=model)
        lib.add_folder(tmp / "gallery")
        report = lib.index()
        assert report.errors == 0 and report.embedded == len(manifest) + len(clips), report
        print(f"{len(clips)} clips and {len(manifest)} pictures indexed in {time.perf_counter() - t0:.1f} s")
        try:
            found = {k: 0 for k in KS}
            moments = 0
            queries = 0
            frame_vecs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for name in clips:
                record = lib.catalog.file_by_path(str(tmp / "gallery" / "clips" / name))
                assert record is not None and record.hash
                rows = lib.catalog.conn.execute(
                    "SELECT id, frame_ms FROM items WHERE hash = ? ORDER BY frame_ms", (record.hash,)).fetchall()
                vecs = lib.catalog.vectors([r[0] for r in rows], lib.model_id)
                frame_vecs[name] = (np.array([r[1] for r in rows]), l2_normalize(np.stack([vecs[r[0]] for r in rows])))
            poolings = [("max", 0.0), ("mean", 0.0)] + [("softmax", t) for t in POOLING_TAUS]
            pool_r1 = {f"{h} {t}" if t else h: 0 for h, t in poolings}
            for name, scenes in clips.items():
                for i, (kind, colour) in enumerate(scenes):
                    text = f"a {colour} {kind}"
                    queries += 1
                    hits = lib.search(SearchQuery(text=text, limit=max(KS))).hits
                    paths = [Path(h.path).name for h in hits]
                    for k in KS:
                        found[k] += name in paths[:k]
                    if name in paths:
                        hit = hits[paths.index(name)]
                        moments += hit.frame_ms is not None and i * og.SCENE_S * 1000 <= hit.frame_ms < (i + 1) * og.SCENE_S * 1000
                    q = l2_normalize(lib.embedder.embed_texts([text]))[0]
                    for how, tau in poolings:
                        scores = {n: pooled(v @ q, how, tau) for n, (_, v) in frame_vecs.items()}
                        pool_r1[f"{how} {tau}" if tau else how] += max(scores, key=scores.__getitem__) == name
        finally:
            lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{queries} queries ('a <colour> <shape>', each shown in one clip for {og.SCENE_S} s)")
    print("clip found among all results (2 pictures per query are right too): "
          + "  ".join(f"R@{k} {found[k] / queries:.3f}" for k in KS))
    print(f"right moment (of the queries whose clip is in the top 10): {moments / max(found[10], 1):.3f}")
    print("clip ranking among clips, R@1 by pooling of frame scores:")
    for label, n in pool_r1.items():
        print(f"  {label:<14}{n / queries:.3f}")
    figures = {"video_r1": round(found[1] / queries, 3), "video_r3": round(found[3] / queries, 3),
               "video_r5": round(found[5] / queries, 3),
               "video_r10": round(found[10] / queries, 3), "moment": round(moments / max(found[10], 1), 3)}
    write_json(args.json, {"machine": machine_info(), **figures,
                           "pooling_r1": {k: v / queries for k, v in pool_r1.items()}})
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
