"""Synthetic photo-like JPEGs for the benchmarks: 12 megapixels (4000x3000), quality 90.

Each picture is a smooth two-colour gradient with a mid-frequency texture, a handful of
blurred shapes (ellipses, boxes, polygons) and per-pixel sensor-like noise, so that JPEG
size (~3-4 MB) and decode cost are those of a real photo rather than of a flat image.
Rendered at quarter size, upscaled, and noise added from a per-process tile at a random
offset: ~0.2 s a picture. Files are cached (default .cache/bench/jpegs/4000x3000-q90/)
and generated only when missing; content is a pure function of the index, so every run
and every machine benchmarks the same pictures.

    python tests/bench/make_jpegs.py [--count N] [--size 4000x3000] [--quality 90]
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import DEFAULT_CACHE, base_parser, machine_info, print_machine  # noqa: E402

SIZE = (4000, 3000)
QUALITY = 90
NOISE_SIGMA = 8.0
_PAD = 64
_noise_tiles: dict[tuple[int, int], Image.Image] = {}


def _noise_tile(size: tuple[int, int]) -> Image.Image:
    """RGB noise centred on 128, a little larger than `size` (cached per process)."""
    tile = _noise_tiles.get(size)
    if tile is None:
        w, h = size[0] + _PAD, size[1] + _PAD
        n = Image.effect_noise((w, h), NOISE_SIGMA)
        tile = Image.merge("RGB", (n, n.transpose(Image.Transpose.ROTATE_180), n.transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
        _noise_tiles[size] = tile
    return tile


def render(index: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """The picture number `index` (deterministic)."""
    rng = np.random.default_rng(1_000_003 + index)
    w, h = size
    sw, sh = max(w // 4, 8), max(h // 4, 8)
    y = np.linspace(0.0, 1.0, sh, dtype=np.float32)[:, None, None]
    x = np.linspace(0.0, 1.0, sw, dtype=np.float32)[None, :, None]
    top, bottom, tint = rng.uniform(0, 255, (3, 3)).astype(np.float32)
    base = top * (1 - y) + bottom * y + (tint - 128) * 0.4 * x
    cell = 8
    texture = rng.normal(0, 12, (sh // cell + 1, sw // cell + 1, 1)).astype(np.float32)
    base += texture.repeat(cell, 0).repeat(cell, 1)[:sh, :sw]
    small = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(small)
    for _ in range(int(rng.integers(6, 15))):
        cx, cy = rng.uniform(0, sw), rng.uniform(0, sh)
        r = rng.uniform(0.03, 0.3) * sw
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        kind = int(rng.integers(3))
        if kind == 0:
            draw.ellipse((cx - r, cy - r * rng.uniform(0.5, 1.5), cx + r, cy + r), fill=colour)
        elif kind == 1:
            draw.rectangle((cx - r, cy - r * 0.7, cx + r, cy + r * 0.7), fill=colour)
        else:
            angles = np.sort(rng.uniform(0, 2 * np.pi, 5))
            draw.polygon([(cx + r * np.cos(a), cy + r * np.sin(a)) for a in angles], fill=colour)
    small = small.filter(ImageFilter.GaussianBlur(1.5))
    big = small.resize((w, h), Image.Resampling.BILINEAR)
    ox, oy = int(rng.integers(_PAD)), int(rng.integers(_PAD))
    noise = _noise_tile(size).crop((ox, oy, ox + w, oy + h))
    return ImageChops.add(big, noise, scale=1.0, offset=-128)


def _write(job: tuple[int, str, tuple[int, int], int]) -> str:
    index, path, size, quality = job
    tmp = path + f".tmp{os.getpid()}"
    render(index, size).save(tmp, "JPEG", quality=quality)
    os.replace(tmp, path)
    return path


def jpeg_folder(cache_dir: Path = DEFAULT_CACHE, size: tuple[int, int] = SIZE, quality: int = QUALITY) -> Path:
    return Path(cache_dir) / "jpegs" / f"{size[0]}x{size[1]}-q{quality}"


def ensure_jpegs(count: int, cache_dir: Path = DEFAULT_CACHE, *, size: tuple[int, int] = SIZE,
                 quality: int = QUALITY, workers: int | None = None, verbose: bool = True) -> list[Path]:
    """Paths of pictures 0..count-1, generating the missing ones (in parallel)."""
    folder = jpeg_folder(cache_dir, size, quality)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"img_{i:05d}.jpg" for i in range(count)]
    todo = [(i, str(p), size, quality) for i, p in enumerate(paths) if not p.is_file()]
    if todo:
        t0 = time.perf_counter()
        workers = workers or min(len(todo), os.cpu_count() or 1)
        if verbose:
            print(f"generating {len(todo)} {size[0]}x{size[1]} JPEGs in {folder} ...", flush=True)
        if workers > 1 and len(todo) > 2:
            with multiprocessing.get_context("spawn").Pool(workers) as pool:
                for _ in pool.imap_unordered(_write, todo, chunksize=4):
                    pass
        else:
            for job in todo:
                _write(job)
        if verbose:
            dt = time.perf_counter() - t0
            print(f"generated {len(todo)} in {dt:.1f} s ({dt / len(todo) * 1000:.0f} ms each)", flush=True)
    return paths


def link_folder(paths: list[Path], dest: Path) -> Path:
    """A folder holding exactly `paths` (hard links; copies across file systems)."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in paths:
        target = dest / p.name
        try:
            os.link(p, target)
        except OSError:
            shutil.copyfile(p, target)
    return dest


def temp_photo_folder(paths: list[Path], cache_dir: Path) -> Path:
    """A fresh temporary folder (same file system as the cache) with the given pictures."""
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="photos-", dir=cache_dir))
    return link_folder(paths, root / "photos")


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Generate (and cache) synthetic 12-megapixel photo-like JPEGs.")
    p.add_argument("--count", type=int, default=None, help="how many (default 256; --quick 48; --smoke 4)")
    p.add_argument("--size", default=None, help="WxH (default 4000x3000; --smoke 320x240)")
    p.add_argument("--quality", type=int, default=QUALITY)
    args = p.parse_args(argv)
    count = args.count or (4 if args.smoke else 48 if args.quick else 256)
    if args.size:
        size = tuple(int(v) for v in args.size.lower().split("x"))
    else:
        size = (320, 240) if args.smoke else SIZE
    print_machine(machine_info(), "synthetic JPEGs")
    t0 = time.perf_counter()
    paths = ensure_jpegs(count, args.cache_dir, size=size, quality=args.quality)  # type: ignore[arg-type]
    dt = time.perf_counter() - t0
    sizes = [p.stat().st_size for p in paths]
    t1 = time.perf_counter()
    sample = paths[: min(8, len(paths))]
    for path in sample:
        with Image.open(path) as im:
            im.load()
    full_ms = (time.perf_counter() - t1) / len(sample) * 1000
    t2 = time.perf_counter()
    for path in sample:
        with Image.open(path) as im:
            im.draft("RGB", (224, 224))
            im.load()
    draft_ms = (time.perf_counter() - t2) / len(sample) * 1000
    print(f"{len(paths)} files in {jpeg_folder(args.cache_dir, size, args.quality)} (ready in {dt:.1f} s); "  # type: ignore[arg-type]
          f"mean size {np.mean(sizes) / 1e6:.2f} MB")
    print(f"decode on one core: full {full_ms:.0f} ms/img, draft (224 px) {draft_ms:.0f} ms/img")
    print(f"jpegs={len(paths)} mean_mb={np.mean(sizes) / 1e6:.2f} full_decode_ms={full_ms:.0f} draft_decode_ms={draft_ms:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
