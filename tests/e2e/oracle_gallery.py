"""A held-out gallery of generated scenes, indexed through the real pipeline, and the
retrieval metrics every query kind is judged by (shared by tests and tests/bench/oracle_eval.py)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image

from photolens.core.library import Library
from photolens.core.query.model import SearchQuery
from tests.oracle import scenes as sc

GALLERY_SET = 7  # held-out seed set of the gallery
QUERY_SET = 8  # held-out seed set of query images and sketches (never in the gallery)
PER_PAIR = 2  # gallery images per (kind, colour)
IMAGE_SIZE = 128
# file times of the two halves (no EXIF: the date taken falls back to the file time)
DATES = {"a": datetime(2019, 6, 1, 12, tzinfo=timezone.utc).timestamp(),
         "b": datetime(2023, 6, 1, 12, tzinfo=timezone.utc).timestamp()}


# video clips (build_clips): scenes of SCENE_S seconds, SCENES_PER_CLIP per clip
SCENES_PER_CLIP = 4
SCENE_S = 3
VIDEO_SET = 9  # held-out seed set of the clips


@dataclass(frozen=True)
class Case:
    """One query and the gallery files that answer it."""

    kind: str  # the query kind, for the table
    query: SearchQuery
    relevant: frozenset[str]  # file names


def _scene(kind: str, colour: str, rng: np.random.Generator) -> sc.Scene:
    background_colour = str(rng.choice([c for c in sc.NEUTRAL_BACKGROUNDS if c != colour]))
    return sc.single_shape_scene(
        kind, colour, size=str(rng.choice(sc.SIZES)), position=str(rng.choice(sc.POSITIONS)),
        background=str(rng.choice(sc.BACKGROUND_KINDS)), background_colour=background_colour,
    )


def build_gallery(folder: Path) -> dict[str, sc.Scene]:
    """Every (kind, colour) pair PER_PAIR times, photo style, in two sub-folders dated by DATES."""
    rng = sc.scene_rng(sc.held_out_seed(GALLERY_SET, 0))
    pairs = list(itertools.product(sc.KINDS, sc.COLOURS))
    scenes = [_scene(k, c, rng) for k, c in pairs for _ in range(PER_PAIR)]
    half = len(scenes) // 2
    manifest: dict[str, sc.Scene] = {}
    for sub, chunk, offset in (("a", scenes[:half], 0), ("b", scenes[half:], half)):
        entries = sc.write_gallery(folder / sub, scenes=chunk, set_seed=GALLERY_SET * 10 + offset,
                                   size=IMAGE_SIZE, prefix=f"g{sub}")
        for name in entries:
            os.utime(folder / sub / name, (DATES[sub], DATES[sub]))
            manifest[f"{sub}/{name}"] = sc.Scene.from_dict({k: v for k, v in entries[name].items() if k != "style"})
    return manifest


def build_clips(folder: Path, stride: int = 1) -> dict[str, list[tuple[str, str]]]:
    """Clips in which every (kind, colour) pair (every `stride`-th) is one scene, shown
    once: clip name -> its scenes' (kind, colour), in order."""
    from tests.helpers import make_video

    pairs = list(itertools.product(sc.KINDS, sc.COLOURS))
    order = sc.scene_rng(sc.held_out_seed(VIDEO_SET, 0)).permutation(len(pairs))
    shuffled = [pairs[i] for i in order][::stride]
    out: dict[str, list[tuple[str, str]]] = {}
    for c in range(0, len(shuffled), SCENES_PER_CLIP):
        chunk = shuffled[c : c + SCENES_PER_CLIP]
        rng = sc.scene_rng(sc.held_out_seed(VIDEO_SET, 1 + c))
        frames = [sc.render_style(_scene(k, col, rng), "photo", IMAGE_SIZE, rng) for k, col in chunk]
        name = f"clip{c // SCENES_PER_CLIP:02d}.mp4"
        make_video(folder / name, frames, seconds_each=SCENE_S, fps=10)
        out[name] = chunk
    return out


def index_gallery(folder: Path, data: Path, model: Path) -> tuple[Library, dict[str, sc.Scene]]:
    manifest = build_gallery(folder)
    lib = Library.open(data, model_path=model)
    lib.add_folder(folder)
    report = lib.index()
    assert report.errors == 0 and report.embedded == len(manifest), report
    return lib, manifest


def _names(manifest: dict[str, sc.Scene], keep: Callable[[sc.Scene], bool]) -> frozenset[str]:
    return frozenset(n for n, s in manifest.items() if keep(s))


def _query_image(kind: str, colour: str, style: sc.StyleName, i: int) -> Image.Image:
    rng = sc.scene_rng(sc.held_out_seed(QUERY_SET, i))
    scene = _scene(kind, colour, rng)
    return sc.render_style(scene, style, IMAGE_SIZE, rng)


def cases(manifest: dict[str, sc.Scene], limit: int = 10) -> list[Case]:
    """Queries of every kind over the gallery (deterministic)."""
    out: list[Case] = []
    pairs = list(itertools.product(sc.KINDS, sc.COLOURS))
    for i, (kind, colour) in enumerate(pairs):
        target = _names(manifest, lambda s, k=kind, c=colour: s.has(kind=k, colour=c))
        out.append(Case("text", SearchQuery(text=f"a {colour} {kind}", limit=limit), target))
        out.append(Case("image", SearchQuery(image=_query_image(kind, colour, "photo", i), limit=limit), target))
        out.append(Case("flat style image", SearchQuery(image=_query_image(kind, colour, "flat", i), limit=limit), target))
        sketch = _query_image(kind, colour, "sketch", i)
        out.append(Case("sketch + text", SearchQuery(text=colour, sketch=sketch, limit=limit), target))
        out.append(Case("sketch alone", SearchQuery(sketch=sketch, limit=limit), target))
        out.append(Case("colour word alone", SearchQuery(text=colour, limit=limit), target))
        other = sorted(c for c in sc.COLOURS if c != colour)[i % (len(sc.COLOURS) - 1)]
        source = _query_image(kind, other, "photo", 1000 + i)
        out.append(Case("image + text (composed)", SearchQuery(text=colour, image=source, limit=limit), target))
        out.append(Case("source image alone", SearchQuery(image=source, limit=limit), target))
    return out


def relative_name(path: str) -> str:
    """'a/ga_0001.jpg': a hit's path relative to the gallery root (as in the manifest)."""
    p = Path(path)
    return f"{p.parent.name}/{p.name}"


def ranked_names(lib: Library, query: SearchQuery) -> list[str]:
    return [relative_name(h.path) for h in lib.search(query).hits]


def recall_at(lib: Library, case: Case, k: int) -> float:
    """Share of the case's relevant pictures in the top k (of at most k)."""
    names = ranked_names(lib, case.query)[:k]
    return len(set(names) & case.relevant) / min(k, len(case.relevant))
