"""Photo-like benchmark JPEGs: 12 megapixels (4000x3000), quality 90, made of real photos.

Each picture is a real photo (the nine in tests/fixtures/faces/: portraits, a cat, coffee,
an astronaut, from face_recognition's and scikit-image's test data) cropped, mirrored and
upscaled to the full size, blended with a mosaic of the others pasted near 1:1 (real fine
detail at full resolution, as a 12-MP phone photo has) and mild luma noise (sensor-like).
JPEG size (~2.8 MB), entropy and decode cost are those of a phone photo, not of noise:
draft-mode decode ~30 ms, full decode ~60 ms on one core. ~1 s a picture to make; files
are cached (default .cache/bench/jpegs/4000x3000-q90-photo/) and generated only when
missing; content is a pure function of the index, so every run and every machine
benchmarks the same pictures. The previous generator (gradients, shapes and per-pixel
noise) made noise-heavy files; its figures are not comparable with these.

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
from PIL import Image, ImageChops, ImageOps

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import DEFAULT_CACHE, REPO, base_parser, machine_info, print_machine  # noqa: E402

SIZE = (4000, 3000)
QUALITY = 90
KIND = "photo"  # in the cache folder's name: files of the previous generator are not reused
SOURCES = REPO / "tests" / "fixtures" / "faces"
NOISE_SIGMA = 4.0
DETAIL_ALPHA = 0.4  # the mosaic's share of each pixel
DETAIL_SCALE = 1.0  # mosaic tiles at about their own resolution on a 4000-px-wide picture
_PAD = 64
_noise_tiles: dict[tuple[int, int], Image.Image] = {}
_sources: list[Image.Image] = []


def _photos() -> list[Image.Image]:
    if not _sources:
        for path in sorted(SOURCES.glob("*.jpg")):
            with Image.open(path) as im:
                _sources.append(im.convert("RGB"))
        if not _sources:
            raise FileNotFoundError(f"no source photos in {SOURCES}")
    return _sources


def _noise_tile(size: tuple[int, int]) -> Image.Image:
    """Grey (luma) noise centred on 128, a little larger than `size` (cached per process)."""
    tile = _noise_tiles.get(size)
    if tile is None:
        n = Image.effect_noise((size[0] + _PAD, size[1] + _PAD), NOISE_SIGMA)
        tile = Image.merge("RGB", (n, n, n))
        _noise_tiles[size] = tile
    return tile


def _mosaic(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """The other photos pasted edge to edge at about 1:1, rows of random order and scale."""
    photos = _photos()
    w, h = size
    scale = DETAIL_SCALE * w / SIZE[0]
    out = Image.new("RGB", size)
    y = 0
    while y < h:
        x, row = 0, 1
        while x < w:
            tile = photos[int(rng.integers(len(photos)))]
            s = scale * rng.uniform(0.8, 1.25)
            tile = tile.resize((max(1, int(tile.width * s)), max(1, int(tile.height * s))), Image.Resampling.BILINEAR)
            if rng.random() < 0.5:
                tile = ImageOps.mirror(tile)
            out.paste(tile, (x, y))
            x += tile.width
            row = max(row, tile.height)
        y += row
    return out


def render(index: int, size: tuple[int, int] = SIZE) -> Image.Image:
    """The picture number `index` (deterministic)."""
    rng = np.random.default_rng(1_000_003 + index)
    photos = _photos()
    src = photos[index % len(photos)]
    f = rng.uniform(0.7, 1.0)
    cw, ch = max(1, int(src.width * f)), max(1, int(src.height * f))
    x0, y0 = int(rng.integers(0, src.width - cw + 1)), int(rng.integers(0, src.height - ch + 1))
    base = src.crop((x0, y0, x0 + cw, y0 + ch))
    if rng.random() < 0.5:
        base = ImageOps.mirror(base)
    base = base.resize(size, Image.Resampling.BICUBIC)
    picture = Image.blend(base, _mosaic(size, rng), DETAIL_ALPHA)
    w, h = size
    ox, oy = int(rng.integers(_PAD)), int(rng.integers(_PAD))
    noise = _noise_tile(size).crop((ox, oy, ox + w, oy + h))
    return ImageChops.add(picture, noise, scale=1.0, offset=-128)


def _write(job: tuple[int, str, tuple[int, int], int]) -> str:
    index, path, size, quality = job
    tmp = path + f".tmp{os.getpid()}"
    render(index, size).save(tmp, "JPEG", quality=quality)
    os.replace(tmp, path)
    return path


def jpeg_folder(cache_dir: Path = DEFAULT_CACHE, size: tuple[int, int] = SIZE, quality: int = QUALITY) -> Path:
    return Path(cache_dir) / "jpegs" / f"{size[0]}x{size[1]}-q{quality}-{KIND}"


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
    p = base_parser("Generate (and cache) 12-megapixel photo-like JPEGs made of real photos.")
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
            im.draft("RGB", (256, 256))
            im.load()
    draft_ms = (time.perf_counter() - t2) / len(sample) * 1000
    print(f"{len(paths)} files in {jpeg_folder(args.cache_dir, size, args.quality)} (ready in {dt:.1f} s); "  # type: ignore[arg-type]
          f"mean size {np.mean(sizes) / 1e6:.2f} MB")
    print(f"decode on one core: full {full_ms:.0f} ms/img, draft (for 256 px) {draft_ms:.0f} ms/img")
    print(f"jpegs={len(paths)} mean_mb={np.mean(sizes) / 1e6:.2f} full_decode_ms={full_ms:.0f} draft_decode_ms={draft_ms:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
