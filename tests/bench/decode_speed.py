"""Shrink-on-load JPEG decoders against Pillow's draft mode, on photo-like 12-MP JPEGs.

Each decoder goes from the file to the picture the model sees (shorter side 224, centre
crop): Pillow (what core/media/decode.py does: draft to the smallest DCT scale >= 224, then
resize), simplejpeg (libjpeg-turbo with the same DCT scaling, into numpy), pyvips
(`thumbnail`: shrink-on-load and resize in one call). One core, files in the page cache.
Rounds repeat until two in a row agree within 10% for every decoder (or it says it could not).

The pictures are the benchmarks' photo-like 12-MP JPEGs (tests/bench/make_jpegs.py: real
photos upscaled and blended with fine detail, ~2.8 MB each, cached).

Usage: python tests/bench/decode_speed.py [--files 24] [--max-rounds 6]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from photolens.core.embed.model_files import ModelConfig  # noqa: E402
from photolens.core.embed.preprocess import resize_and_crop  # noqa: E402
from photolens.core.media.decode import open_image  # noqa: E402
from tests.bench.make_jpegs import DEFAULT_CACHE, ensure_jpegs  # noqa: E402

SIZE = 224


def _pillow(path: Path, config: ModelConfig) -> Image.Image:
    return resize_and_crop(open_image(path, min_side=SIZE), SIZE, interpolation=config.interpolation,
                           resize_mode=config.resize_mode)


def _simplejpeg(path: Path, config: ModelConfig) -> Image.Image:
    import simplejpeg

    data = path.read_bytes()
    pixels = simplejpeg.decode_jpeg(data, colorspace="RGB", min_height=SIZE, min_width=SIZE)
    return resize_and_crop(Image.fromarray(pixels), SIZE, interpolation=config.interpolation,
                           resize_mode=config.resize_mode)


def _pyvips(path: Path, config: ModelConfig) -> Image.Image:
    import pyvips

    thumb = pyvips.Image.thumbnail(str(path), SIZE, height=SIZE, crop="centre")
    return Image.open(io.BytesIO(thumb.write_to_buffer(".png[compression=0]"))).convert("RGB")


def _available() -> dict[str, Callable[[Path, ModelConfig], Image.Image]]:
    found: dict[str, Callable[[Path, ModelConfig], Image.Image]] = {"pillow-draft": _pillow}
    for name, module, fn in (("simplejpeg", "simplejpeg", _simplejpeg), ("pyvips", "pyvips", _pyvips)):
        try:
            __import__(module)
        except (ImportError, OSError) as exc:
            print(f"{name}: not installed ({exc.__class__.__name__}); skipped")
            continue
        found[name] = fn
    return found


def _round(decoders: dict[str, Callable[[Path, ModelConfig], Image.Image]], files: list[Path],
           config: ModelConfig) -> dict[str, float]:
    """ms per file for each decoder, interleaved file by file so load drifts hit all alike."""
    spent = dict.fromkeys(decoders, 0.0)
    for path in files:
        for name, fn in decoders.items():
            start = time.perf_counter()
            image = fn(path, config)
            spent[name] += time.perf_counter() - start
            assert image.size == (SIZE, SIZE), (name, image.size)
    return {name: 1000 * s / len(files) for name, s in spent.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=24)
    ap.add_argument("--max-rounds", type=int, default=6)
    ap.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    ap.add_argument("--size", type=int, nargs=2, default=(4000, 3000))
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import pyvips

        pyvips.cache_set_max(0)  # every decode from the file, none from vips' operation cache
        pyvips.concurrency_set(1)
    except (ImportError, OSError):
        pass
    config = ModelConfig(name="bench", pretrained=None, dim=512, image_size=SIZE, context_length=77)
    files = ensure_jpegs(args.files, args.cache_dir, size=tuple(args.size))
    mb = statistics.median(p.stat().st_size for p in files) / 1e6
    print(f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {len(files)} photo-like JPEGs "
          f"{args.size[0]}x{args.size[1]}, median {mb:.2f} MB; one core, page cache warm")
    decoders = _available()
    _round(decoders, files[:2], config)  # warm-up: imports, caches
    rounds: list[dict[str, float]] = []
    agreed = False
    while len(rounds) < args.max_rounds:
        rounds.append(_round(decoders, files, config))
        print("round " + str(len(rounds)) + ": " + ", ".join(f"{n} {ms:.1f} ms" for n, ms in rounds[-1].items()))
        if len(rounds) >= 2 and all(abs(rounds[-1][n] - rounds[-2][n]) <= 0.1 * rounds[-2][n] for n in decoders):
            agreed = True
            break
    if not agreed:
        print(f"the last two of {len(rounds)} rounds did not agree within 10%: figures are noisy")
    figures: dict[str, object] = {}
    for name in decoders:
        values = [r[name] for r in rounds]
        figures[name + "_ms"] = round(statistics.median(values), 2)
        figures[name + "_spread"] = [round(min(values), 2), round(max(values), 2)]
        print(f"{name}: median {statistics.median(values):.1f} ms per file ({min(values):.1f}-{max(values):.1f}), "
              f"{len(values)} rounds")
    figures["agreed"] = agreed
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
