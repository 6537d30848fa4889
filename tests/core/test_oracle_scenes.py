"""The oracle's scene generator: deterministic, truthful captions, sketch look, galleries.

Fast, no torch: these guard the data the oracle model is trained and tested on.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

try:
    from tests.oracle import scenes
except ModuleNotFoundError:  # pytest without the repository root on sys.path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.oracle import scenes

SEEDS = range(40)
COLOUR_WORDS = set(scenes.BACKGROUND_COLOURS) | {"gray"}


def _scene(seed: int) -> tuple[scenes.Scene, np.random.Generator]:
    rng = scenes.scene_rng(scenes.train_seed(0, seed))
    return scenes.random_scene(rng), rng


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text)


def test_same_seed_same_scene_renders_and_captions() -> None:
    for seed in range(5):
        a, rng_a = _scene(seed)
        b, rng_b = _scene(seed)
        assert a == b
        assert scenes.render(a, 64, rng_a).tobytes() == scenes.render(b, 64, rng_b).tobytes()
        assert (
            scenes.render_sketch(a, 64, rng_a).tobytes()
            == scenes.render_sketch(b, 64, rng_b).tobytes()
        )
        assert scenes.caption(a, rng_a) == scenes.caption(b, rng_b)
        assert scenes.render_flat(a, 64).tobytes() == scenes.render_flat(b, 64).tobytes()


def test_different_seeds_give_varied_scenes() -> None:
    drawn = [_scene(seed)[0] for seed in SEEDS]
    assert len(set(drawn)) > 35
    assert {len(s.shapes) for s in drawn} == {1, 2, 3}
    assert {s.background for s in drawn} == set(scenes.BACKGROUND_KINDS)
    kinds = {shape.kind for s in drawn for shape in s.shapes}
    assert kinds == set(scenes.KINDS)


def test_scenes_are_consistent() -> None:
    for seed in SEEDS:
        scene, _ = _scene(seed)
        assert 1 <= len(scene.shapes) <= 3
        assert len({s.position for s in scene.shapes}) == len(scene.shapes)
        assert all(s.colour != scene.background_colour for s in scene.shapes)
        assert scenes.Scene.from_dict(scene.to_dict()) == scene


def test_held_out_seeds_never_meet_training_seeds() -> None:
    largest_train = scenes.train_seed(999, 999_999_999)
    assert scenes.held_out_seed(0, 0) > largest_train
    assert scenes.is_held_out_seed(scenes.held_out_seed(3, 7))
    assert not scenes.is_held_out_seed(largest_train)
    held = scenes.held_out_scenes(5, set_seed=0)
    assert held == scenes.held_out_scenes(5, set_seed=0)


def test_captions_tell_the_truth() -> None:
    for seed in range(200):
        scene, rng = _scene(seed)
        text = scenes.caption(scene, rng)
        words = _words(text)
        assert scenes.count_tokens(text) <= 22, text
        # Every shape kind named is in the scene.
        named_kinds = [w for w in words if w in scenes.KINDS]
        assert set(named_kinds) <= scene.kinds, text
        # Every "<colour> <kind>" pair named is a shape of the scene.
        for colour, kind in re.findall(r"([a-z]+) (" + "|".join(scenes.KINDS) + r")\b", text):
            if colour in COLOUR_WORDS:
                assert scene.has(kind=kind, colour=colour.replace("gray", "grey")), text
        # The caption names something true: a shape, or (short forms) a shape colour.
        named_colours = {w for w in words if w in scenes.COLOURS}
        assert named_kinds or named_colours & scene.colours, text


def test_full_captions_mention_shape_and_colour() -> None:
    scene = scenes.Scene(
        (
            scenes.Shape("circle", "red", "small", "left"),
            scenes.Shape("star", "green", "large", "right"),
        ),
        "plain",
        "blue",
    )
    texts = [scenes.caption(scene, np.random.default_rng(i)) for i in range(100)]
    full = [t for t in texts if "red circle" in t and "green star" in t]
    assert len(full) > 40
    assert any("on the left" in t for t in full)
    assert any("blue" in t and "background" in t for t in full)
    assert any(
        t.startswith(("a small red circle", "a little red circle", "a tiny red circle"))
        for t in texts
    )


def test_sketch_captions_name_shapes_only() -> None:
    for seed in SEEDS:
        scene, rng = _scene(seed)
        for text in (scenes.sketch_caption(scene), scenes.sketch_caption(scene, rng)):
            words = set(_words(text))
            assert scene.kinds <= words, text
            assert not words & COLOUR_WORDS, text
    circle = scenes.single_shape_scene("circle", "red")
    assert scenes.sketch_caption(circle) == "a drawing of a circle"


def test_sketches_are_mostly_white_with_dark_strokes() -> None:
    for seed in range(10):
        scene, rng = _scene(seed)
        img = scenes.render_sketch(scene, 128, rng)
        assert img.mode == "RGB" and img.size == (128, 128)
        px = np.asarray(img, dtype=np.int16)
        assert (
            np.abs(px[..., 0] - px[..., 1]).max() <= 1
            and np.abs(px[..., 1] - px[..., 2]).max() <= 1
        )
        grey = px[..., 0]
        assert (grey > 200).mean() > 0.8
        assert (grey < 110).mean() > 0.005


def test_photo_render_shows_the_shape_colour() -> None:
    scene = scenes.single_shape_scene("square", "blue", background_colour="white")
    img = np.asarray(scenes.render(scene, 96, np.random.default_rng(1)), dtype=np.float32)
    centre = img[40:56, 40:56].reshape(-1, 3).mean(0)
    corner = img[:8, :8].reshape(-1, 3).mean(0)
    assert centre[2] > centre[0] + 80  # blue
    assert corner.min() > 170  # white background


def test_flat_style_uses_pure_palette_colours() -> None:
    scene = scenes.single_shape_scene(
        "star", "orange", background="stripes", background_colour="black"
    )
    img = scenes.render_flat(scene, 128)
    colours = {c for _, c in img.getcolors(maxcolors=1 << 16) or []}
    assert scenes.COLOURS["orange"] in colours
    assert (255, 255, 255) in colours  # non-plain backgrounds become white
    assert (0, 0, 0) in colours  # outline
    assert len(colours) <= 3  # aliased: no in-between shades


def test_write_gallery_files_and_manifest(tmp_path: Path) -> None:
    manifest = scenes.write_gallery(tmp_path / "g", 6, set_seed=2, size=96)
    files = sorted(p.name for p in (tmp_path / "g").glob("*.jpg"))
    assert files == sorted(manifest) and len(files) == 6
    read = scenes.read_manifest(tmp_path / "g" / "manifest.json")
    assert read == {name: scenes.Scene.from_dict(fields) for name, fields in manifest.items()}
    assert list(read.values()) == scenes.held_out_scenes(6, set_seed=2)
    with Image.open(tmp_path / "g" / files[0]) as im:
        assert im.size == (96, 96)
    # Deterministic: a second write gives the same manifest and pixels.
    again = scenes.write_gallery(tmp_path / "h", 6, set_seed=2, size=96)
    assert again == manifest
    assert (tmp_path / "g" / files[0]).read_bytes() == (tmp_path / "h" / files[0]).read_bytes()


def test_write_gallery_with_given_scenes_and_styles(tmp_path: Path) -> None:
    red = scenes.single_shape_scene("circle", "red")
    green = scenes.recoloured(red, "green")
    assert green.shapes[0].colour == "green" and green.shapes[0].kind == "circle"
    for style in ("photo", "sketch", "flat"):
        out = tmp_path / style
        manifest = scenes.write_gallery(
            out, scenes=[red, green], style=style, fmt="png", manifest=tmp_path / f"{style}.json"
        )
        assert set(manifest) == {"img_0000.png", "img_0001.png"}
        assert all(entry["style"] == style for entry in manifest.values())
        assert not (out / "manifest.json").exists()
        assert (tmp_path / f"{style}.json").is_file()


def test_invalid_scenes_are_rejected() -> None:
    with pytest.raises(ValueError):
        scenes.Shape("hexagon", "red", "small", "left")
    with pytest.raises(ValueError):
        scenes.Scene(
            (
                scenes.Shape("circle", "red", "small", "left"),
                scenes.Shape("star", "blue", "small", "left"),
            )
        )
    with pytest.raises(ValueError):
        scenes.write_gallery(Path("unused"))
