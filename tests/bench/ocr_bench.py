"""Text in pictures: OCR cost, what it adds to indexing, recall, fusion with CLIP, `text:` latency.

    flock /tmp/bench.lock python tests/bench/ocr_bench.py [--quick] [--only speed,index,recall,fusion,latency]

- speed: ms per 1200x800 picture with and without text, with the gate (the detector on a
  480 px copy first) and without it, in one process with one ONNX Runtime thread; then
  pictures per second with two worker processes (2 cores), as the analyzer stage runs.
- index: a folder of 1200x800 JPEGs, 30% with text, indexed with `ocr = false` and with
  `ocr = true`: when every picture is searchable (the CLIP pass) and when the run ends.
- recall: generated pictures (real fonts; 16-56 px text; 0, 90 and 180 degrees; dark on
  light and light on dark; plates and bare text on photo-like backgrounds) and text-free
  ones: the share of the words shown that `text:word` finds, of one-letter misspellings,
  of two-word phrases, and the text-free pictures that got any text.
- fusion: the oracle CLIP (it cannot read) on shape pictures, some of them labelled with a
  word: recall@1 of the word queries and recall@5 of the visual queries, by TEXT_WEIGHT.
- latency: a synthetic catalog of 100k pictures, 30% with text (rows inserted directly):
  the `text:` filter (phrase -> item ids, through the catalog's SQL) and the word matching
  that plain queries use.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    REPO,
    base_parser,
    end_state,
    machine_info,
    percentile,
    print_machine,
    write_json,
)
from tests.text_pictures import font, plain_photo, sign  # noqa: E402

ORACLE = REPO / "tests" / "fixtures" / "models" / "oracle"
WORDS = (
    "bakery pharmacy library station museum garden hotel market parking ticket exit entrance password "
    "network welcome birthday holiday festival concert harbour airport platform departures arrivals "
    "coffee breakfast kitchen bicycle mountain river bridge castle theatre cinema school office "
    "danger closed open sale discount invoice receipt total change guest dinner lunch menu wine "
    "street avenue square north south west east vienna berlin paris lisbon madrid zurich oslo"
).split()


def _words(rng: np.random.Generator, n: int) -> list[str]:
    return [str(w) for w in rng.choice(WORDS, size=n, replace=False)]


def text_picture(i: int, size: tuple[int, int] = (1200, 800)) -> tuple[object, list[str], dict[str, object]]:
    """Picture i of the recall set: its image, the words it shows, how it was drawn."""
    rng = np.random.default_rng(1000 + i)
    words = _words(rng, int(rng.integers(2, 5)))
    lines = [" ".join(words[: len(words) // 2 or 1]), " ".join(words[len(words) // 2 or 1 :])]
    lines = [line for line in lines if line]
    px = int(rng.choice([16, 24, 36, 56]))
    rotate = int(rng.choice([0, 0, 0, 90, 180]))
    dark = bool(rng.integers(0, 2))
    ink = (20, 20, 30) if dark else (250, 250, 240)
    plate = ((235, 230, 215) if dark else (30, 50, 110)) if rng.random() < 0.6 else None
    image = sign(lines, size=size, text_px=px, seed=2000 + i, ink=ink, plate=plate, rotate=rotate)
    return image, words, {"px": px, "rotate": rotate, "plate": plate is not None, "dark": dark}


# -- speed ----------------------------------------------------------------------------------------
def _read_times(paths: list[Path], gate: bool) -> list[float]:
    from photolens.core.media.decode import open_image
    from photolens.core.ocr.engine import OcrEngine

    engine = OcrEngine(threads=1, gate=gate)
    engine.read(open_image(paths[0]))  # load the models first
    times = []
    for p in paths:
        image = open_image(p)
        start = time.perf_counter()
        engine.read(image)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _read_one(path: str) -> int:
    from photolens.core.media.decode import open_image
    from photolens.core.ocr.analyzer import _engine

    return len(_engine().read(open_image(path)).lines)


def bench_speed(work: Path, n: int) -> dict[str, float]:
    with_text, without = [], []
    for i in range(n):
        image, _, _ = text_picture(i)
        image.save(work / f"text{i:03d}.jpg", quality=90)  # type: ignore[attr-defined]
        plain_photo(500 + i, (1200, 800)).save(work / f"plain{i:03d}.jpg", quality=90)
        with_text.append(work / f"text{i:03d}.jpg")
        without.append(work / f"plain{i:03d}.jpg")
    out: dict[str, float] = {}
    for gate in (True, False):
        tag = "gate" if gate else "nogate"
        out[f"ms_text_{tag}"] = statistics.median(_read_times(with_text, gate))
        out[f"ms_plain_{tag}"] = statistics.median(_read_times(without, gate))
    paths = [str(p) for p in with_text[: max(1, n * 3 // 10)] + without[: n - max(1, n * 3 // 10)]] * 2
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_read_one, paths[:2]))  # models loaded in both
        start = time.perf_counter()
        list(pool.map(_read_one, paths))
        out["img_s_2proc_30pct_text"] = len(paths) / (time.perf_counter() - start)
    out.update(_load_times())
    return out


def _load_times() -> dict[str, float]:
    """In a fresh process: importing rapidocr (OpenCV, Shapely, OmegaConf...) and loading the
    three models (the first picture a worker process reads pays both)."""
    import subprocess

    code = ("import time; t=time.perf_counter(); from photolens.core import ort_runtime; a=time.perf_counter(); "
            "from rapidocr import RapidOCR; b=time.perf_counter(); from photolens.core.ocr.engine import OcrEngine; "
            "o=OcrEngine()._load(); o._load_det_model(); o._load_cls_model(); o._load_rec_model(); "
            "c=time.perf_counter(); print(b-a, c-b)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return {"rapidocr_import_s": float(out[0]), "models_load_s": float(out[1])}


# -- indexing -------------------------------------------------------------------------------------
def bench_index(work: Path, n: int, model: Path) -> dict[str, float]:
    from photolens.core.library import Library

    photos = work / "index-photos"
    photos.mkdir(exist_ok=True)
    for i in range(n):
        if i % 10 < 3:
            image, _, _ = text_picture(3000 + i)
            image.save(photos / f"p{i:04d}.jpg", quality=90)  # type: ignore[attr-defined]
        else:
            plain_photo(4000 + i, (1200, 800)).save(photos / f"p{i:04d}.jpg", quality=90)
    runs: dict[str, list[float]] = {}
    # the first run warms the caches and is not counted; then alternately, two of each
    for run, ocr in enumerate((False, True, False, True, False)):
        data = work / f"index-data-{run}"
        (data).mkdir()
        (data / "settings.toml").write_text(f"ocr = {'true' if ocr else 'false'}\n")
        marks: dict[str, float] = {}
        with Library.open(data, model_path=model, models_dir=work / "models") as lib:
            lib.add_folder(photos)
            indexer = lib.indexer()
            derive = indexer.derive
            start = time.perf_counter()

            def searchable(emit: object, controls: object, derive: object = derive, start: float = start,
                           marks: dict[str, float] = marks) -> None:
                marks["searchable"] = time.perf_counter() - start  # every picture embedded and saved
                derive(emit, controls)  # type: ignore[operator]

            indexer.derive = searchable  # type: ignore[method-assign]
            indexer.run()
            total = time.perf_counter() - start
        if run:
            tag = "ocr" if ocr else "no_ocr"
            runs.setdefault(f"searchable_s_{tag}", []).append(marks.get("searchable", total))
            runs.setdefault(f"total_s_{tag}", []).append(total)
    return {k: statistics.median(v) for k, v in runs.items()}


# -- recall ---------------------------------------------------------------------------------------
def _misspell(word: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(1, len(word) - 1))
    letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
    while letter == word[i]:
        letter = "abcdefghijklmnopqrstuvwxyz"[int(rng.integers(0, 26))]
    return word[:i] + letter + word[i + 1 :]


def bench_recall(work: Path, n_text: int, n_plain: int, model: Path) -> dict[str, float]:
    from photolens.core.library import Library
    from photolens.core.ocr.store import TextIndex

    photos = work / "recall-photos"
    photos.mkdir()
    shown: dict[str, tuple[list[str], dict[str, object]]] = {}
    for i in range(n_text):
        image, words, how = text_picture(i, size=(960, 640))
        image.save(photos / f"t{i:04d}.jpg", quality=88)  # type: ignore[attr-defined]
        shown[f"t{i:04d}.jpg"] = (words, how)
    for i in range(n_plain):
        plain_photo(7000 + i, (960, 640)).save(photos / f"n{i:04d}.jpg", quality=88)
    rng = np.random.default_rng(5)
    with Library.open(work / "recall-data", model_path=model, models_dir=work / "models") as lib:
        lib.add_folder(photos)
        start = time.perf_counter()
        lib.index()
        elapsed = time.perf_counter() - start
        index = TextIndex(lib.catalog)
        item_of = {Path(p).name: int(lib.catalog.conn.execute("SELECT id FROM items WHERE hash = ?", (h,)).fetchone()[0])
                   for p, h in lib.catalog.conn.execute("SELECT path, hash FROM files")}
        found = total = miss_found = miss_total = phrase_found = phrase_total = 0
        by: dict[str, list[int]] = {}
        for name, (words, how) in shown.items():
            item = item_of[name]
            for w in words:
                ok = item in index.phrase_items(w).items
                found += ok
                total += 1
                for key in (f"px{how['px']}", f"rot{how['rotate']}"):
                    by.setdefault(key, []).append(int(ok))
                if len(w) >= 5:
                    miss_total += 1
                    miss_found += item in index.phrase_items(_misspell(w, rng)).items
            first_line = words[: len(words) // 2 or 1]
            if len(first_line) >= 2:
                phrase_total += 1
                phrase_found += item in index.phrase_items(" ".join(first_line[:2])).items
        false_text = sum(1 for name, item in item_of.items() if name.startswith("n") and index.lines(item))
    out = {"word_recall": found / max(total, 1), "misspelt_recall": miss_found / max(miss_total, 1),
           "phrase_recall": phrase_found / max(phrase_total, 1), "plain_with_text": false_text / max(n_plain, 1),
           "index_s": elapsed, "pictures": n_text + n_plain}
    out.update({f"recall_{k}": sum(v) / len(v) for k, v in sorted(by.items())})
    return out


# -- fusion ---------------------------------------------------------------------------------------
LABELS = ("bakery", "pharmacy", "museum", "parking", "harbour", "theatre", "festival", "invoice")


def bench_fusion(work: Path, model: Path, weights: tuple[float, ...]) -> dict[str, float]:
    from PIL import ImageDraw

    from photolens.core.library import Library
    from photolens.core.query import text_fusion
    from tests.helpers import scene

    colours = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (40, 60, 220), "yellow": (230, 220, 40)}
    shapes = ("circle", "square")
    photos = work / "fusion-photos"
    photos.mkdir()
    truth: dict[str, str] = {}
    k = 0
    for cname, rgb in colours.items():
        for shape in shapes:
            for j in range(6):
                image = scene(rgb, size=(320, 240), shape=shape, seed=100 * k + j)
                name = f"{cname}_{shape}_{j}.png"
                if j == 0:  # one of each kind carries a word the model cannot read
                    label = LABELS[k]
                    draw = ImageDraw.Draw(image)
                    draw.rectangle((10, 190, 200, 232), fill=(250, 250, 250))
                    draw.text((16, 194), label.upper(), font=font(30, bold=True), fill=(10, 10, 10))
                    truth[label] = name
                image.save(photos / name)
            k += 1
    out: dict[str, float] = {}
    with Library.open(work / "fusion-data", model_path=model, models_dir=work / "models") as lib:
        lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False))
        lib.add_folder(photos)
        lib.index()
        base = text_fusion.TEXT_WEIGHT
        try:
            for w in weights:
                text_fusion.TEXT_WEIGHT = w
                word_r1 = np.mean([Path(lib.search(label, limit=10).hits[0].path).name == truth[label]
                                   for label in truth])
                visual = []
                for cname in colours:
                    for shape in shapes:
                        hits = lib.search(f"a {cname} {shape}", limit=5).hits
                        visual.append(np.mean([Path(h.path).name.startswith(f"{cname}_{shape}_") for h in hits]))
                out[f"w{w:g}_word_r1"] = float(word_r1)
                out[f"w{w:g}_visual_p5"] = float(np.mean(visual))
        finally:
            text_fusion.TEXT_WEIGHT = base
    return out


# -- latency at 100k ------------------------------------------------------------------------------
def _pseudo_words(rng: np.random.Generator, n: int) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "ra", "to", "su", "ve", "do", "pi", "an", "er", "or", "st", "ch", "el"]
    return ["".join(rng.choice(syllables, size=int(rng.integers(2, 5)))) for _ in range(n)]


def bench_latency(work: Path, n_items: int, share: float, queries: int) -> dict[str, float]:
    from photolens.core.catalog import Catalog
    from photolens.core.ocr.store import TextIndex
    from photolens.core.query.model import Filters
    from photolens.core.query.text_fusion import filter_items

    rng = np.random.default_rng(3)
    vocab = list(dict.fromkeys(_pseudo_words(rng, 60_000) + WORDS))
    catalog = Catalog(work / "latency.db")
    conn = catalog.conn
    with conn:
        conn.execute("INSERT INTO folders (id, path, added_at, online) VALUES (1, '/p', 0, 1)")
        conn.executemany("INSERT INTO items (id, hash, frame_ms) VALUES (?, ?, 0)",
                         [(i, f"h{i}") for i in range(1, n_items + 1)])
        conn.executemany("INSERT INTO files (folder_id, path, hash, status, media_type) VALUES (1, ?, ?, 'indexed', 'image')",
                         [(f"/p/{i}.jpg", f"h{i}") for i in range(1, n_items + 1)])
    from photolens.core.ocr.engine import PictureText, TextLine

    with_text = rng.choice(np.arange(1, n_items + 1), size=int(n_items * share), replace=False)
    shown: dict[int, list[str]] = {}
    batch: list[tuple[int, PictureText]] = []
    index = TextIndex(catalog)
    zipf = np.minimum(rng.zipf(1.3, size=len(with_text) * 12), len(vocab)) - 1
    pos = 0
    for item in with_text:
        count = int(rng.integers(3, 13))
        ws = [vocab[int(z)] for z in zipf[pos : pos + count]]
        pos += count
        shown[int(item)] = ws
        lines = tuple(TextLine(" ".join(ws[i : i + 4]), 0.95, (0, 0, 1, 0, 1, 1, 0, 1)) for i in range(0, len(ws), 4))
        batch.append((int(item), PictureText(lines)))
        if len(batch) == 2000:
            index.store(batch)
            batch = []
    index.store(batch)
    samples = rng.choice(list(shown), size=queries)
    kinds: dict[str, list[str]] = {"word": [], "misspelt": [], "phrase": [], "absent": []}
    for s in samples:
        ws = shown[int(s)]
        long = [w for w in ws if len(w) >= 6] or ws
        kinds["word"].append(long[0])
        kinds["misspelt"].append(_misspell(long[0], rng) if len(long[0]) >= 5 else long[0])
        kinds["phrase"].append(" ".join(ws[:2]))
        kinds["absent"].append("zzq" + long[0])
    out: dict[str, float] = {"items": n_items, "with_text": len(with_text)}
    for kind, qs in kinds.items():
        times, sizes = [], []
        for q in qs:
            start = time.perf_counter()
            matched = filter_items(index, Filters(text=(q,)))
            allowed = catalog.item_ids_matching(Filters(text=(q,)), matched.items if matched else None)
            times.append((time.perf_counter() - start) * 1000)
            sizes.append(len(allowed))
        out[f"filter_{kind}_p50_ms"] = percentile(times, 50)
        out[f"filter_{kind}_p95_ms"] = percentile(times, 95)
        out[f"filter_{kind}_median_hits"] = statistics.median(sizes)
    times = []
    for q in kinds["phrase"]:
        start = time.perf_counter()
        index.word_matches(q)
        times.append((time.perf_counter() - start) * 1000)
    out["plain_words_p50_ms"] = percentile(times, 50)
    out["plain_words_p95_ms"] = percentile(times, 95)
    catalog.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out["catalog_mb"] = os.path.getsize(work / "latency.db") / 2**20
    text_mb = catalog.conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'text%'").fetchone()[0]
    out["text_tables_mb"] = (text_mb or 0) / 2**20
    catalog.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--only", default="speed,index,recall,fusion,latency", help="comma-separated parts to run")
    args = p.parse_args(argv)
    info = machine_info()
    print_machine(info, "text in pictures (OCR)")
    parts = set(args.only.split(","))
    smoke, quick = args.smoke, args.quick
    figures: dict[str, object] = {}
    from tests.bench.common import ensure_tiny_model

    model = args.model_path or (ensure_tiny_model(args.cache_dir) if smoke or not ORACLE.is_dir() else ORACLE)
    with tempfile.TemporaryDirectory(prefix="ocr-bench-") as tmp:
        work = Path(tmp)
        if "speed" in parts:
            figures["speed"] = r = bench_speed(work, 2 if smoke else 6 if quick else 12)
            print("speed:", _line(r))
        if "index" in parts:
            figures["index"] = r = bench_index(work, 6 if smoke else 30 if quick else 60, model)
            print("index:", _line(r))
        if "recall" in parts:
            figures["recall"] = r = bench_recall(work, 4 if smoke else 60 if quick else 150,
                                                 2 if smoke else 20 if quick else 50, model)
            print("recall:", _line(r))
        if "fusion" in parts:
            weights = (0.0, 0.15) if smoke else (0.0, 0.05, 0.1, 0.15, 0.3)
            figures["fusion"] = r = bench_fusion(work, ORACLE if ORACLE.is_dir() and not smoke else model, weights)
            print("fusion:", _line(r))
        if "latency" in parts:
            figures["latency"] = r = bench_latency(work, 2000 if smoke else 20_000 if quick else 100_000, 0.3,
                                                   10 if smoke else 50)
            print("latency:", _line(r))
    print(end_state())
    write_json(args.json, {"machine": info, **figures})
    summary = {f"{part}_{k}": v for part, r in figures.items() if isinstance(r, dict) for k, v in r.items()}
    keys = [k for k in ("speed_ms_plain_gate", "speed_ms_text_gate", "index_total_s_ocr", "recall_word_recall",
                        "fusion_w0.3_word_r1", "latency_filter_word_p50_ms") if k in summary]
    print(" ".join(f"{k}={summary[k]:.3g}" for k in keys) or "ran=0")
    return 0


def _line(figures: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in figures.items())


if __name__ == "__main__":
    raise SystemExit(main())
