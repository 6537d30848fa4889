"""How fast videos are indexed: frame sampling (seek + decode + scale) and the whole pipeline.

Generates H.264 clips like a phone's (1080p, 30 fps, a keyframe every 2 s, a scene change
every 5 s, the picture slowly panning), cached in the cache dir. Measures:

- `sample_frames` alone, per clip: the frames the indexer takes (one every 2 s), decoded
  and scaled to the model's input side;
- `Library.index()` over the clips: hash, probe, sample, embed, commit (after a warm-up
  picture, so loading the model is not counted).

    python tests/bench/video_index.py [--quick] [--clips N] [--seconds S] [--json FILE]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.bench.common import (  # noqa: E402
    base_parser,
    end_state,
    machine_info,
    median,
    print_machine,
    resolve_model,
    write_json,
)
from tests.bench.make_jpegs import render  # noqa: E402

FPS = 30
SCENE_S = 5


def make_clip(path: Path, index: int, size: tuple[int, int], seconds: int) -> Path:
    """A deterministic clip: scenes from make_jpegs.render, panning a few pixels per frame."""
    import av

    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    w, h = size
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), mode="w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"g": str(FPS * 2), "preset": "ultrafast", "crf": "23"}
        for scene in range(max(1, seconds // SCENE_S)):
            big = render(index * 100 + scene, (w + w // 8, h + h // 8))
            for f in range(min(seconds, SCENE_S) * FPS):
                dx = (f * 2) % (w // 8)
                frame = big.crop((dx, 0, dx + w, h))
                out.mux(stream.encode(av.VideoFrame.from_image(frame)))
        out.mux(stream.encode(None))
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    p = base_parser("Video indexing: frame sampling and the whole pipeline.")
    p.add_argument("--clips", type=int, help="clips (default 4; --quick 2; --smoke 2)")
    p.add_argument("--seconds", type=int, help="length of each clip (default 30; --smoke 4)")
    args = p.parse_args(argv)
    print_machine(machine_info(), "video indexing")
    clips = args.clips or (2 if args.smoke or args.quick else 4)
    seconds = args.seconds or (4 if args.smoke else 30)
    size = (320, 240) if args.smoke else (1920, 1080)
    model = resolve_model(args)

    from photolens.core.embed.model_files import ModelFolder
    from photolens.core.library import Library
    from photolens.core.media.video import probe, sample_frames, sample_times

    cache = Path(args.cache_dir)
    folder = cache / "videos" / f"{size[0]}x{size[1]}-{seconds}s"
    made = time.perf_counter()
    paths = [make_clip(folder / f"clip{i:02d}.mp4", i, size, seconds) for i in range(clips)]
    print(f"clips: {clips} x {seconds} s, {size[0]}x{size[1]} H.264 {FPS} fps "
          f"(ready in {time.perf_counter() - made:.1f} s, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB)")

    side = ModelFolder.load(model).config.image_size
    sample_s, frames = [], 0
    for path in paths:
        t0 = time.perf_counter()
        got = sample_frames(path, sample_times(probe(path).duration_s), min_side=side)
        sample_s.append(time.perf_counter() - t0)
        frames += len(got)
    per_frame_ms = sum(sample_s) / frames * 1000

    tmp = Path(tempfile.mkdtemp(prefix="video-", dir=cache))
    try:
        with Library.open(tmp / "library", model_path=model, models_dir=tmp / "models") as lib:
            warm = tmp / "warm-up"  # one picture first: model load and graph optimisation are not counted
            warm.mkdir()
            render(0, (640, 480)).save(warm / "warm.jpg")
            lib.add_folder(warm)
            lib.index()
            lib.add_folder(folder)
            t0 = time.perf_counter()
            report = lib.index()
            index_s = time.perf_counter() - t0
            embedded = lib.catalog.count_embeddings(lib.model_id) - 1
            assert report.errors == 0, lib.status().errors
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    video_s = clips * seconds
    print(f"model: {model.name} (input side {side})")
    print(f"sample_frames: median {median(sample_s):.2f} s per {seconds} s clip, "
          f"{frames} frames, {per_frame_ms:.0f} ms per frame")
    print(f"Library.index(): {index_s:.1f} s for {clips} clips ({embedded} frames embedded): "
          f"{video_s / index_s:.1f} s of video per second, {embedded / index_s:.1f} frames/s")
    print(end_state())
    figures = {"sample_ms_per_frame": round(per_frame_ms, 1), "index_s": round(index_s, 2),
               "video_s_per_s": round(video_s / index_s, 2), "frames_per_s": round(embedded / index_s, 2)}
    write_json(args.json, {"machine": machine_info(), "model": str(model), "clips": clips, "seconds": seconds,
                           "size": list(size), **figures})
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
