"""Shared fixtures: tiny models exported through the real export path, image folders."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.helpers import make_image, tiny_clip

ORACLE_DIR = Path(__file__).parent / "fixtures" / "models" / "oracle"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# faces and text in pictures cost a worker pool's start-up on every index run: off unless a
# test turns them on (faces = true / ocr = true in its settings), subprocesses included
os.environ.setdefault("PHOTOLENS_ANALYZERS", "")
# a library opened without models_dir caches per model in the models folder
# (core/embed/model_cache.py): one for the run, never the user's own
if "PHOTOLENS_MODELS_DIR" not in os.environ:
    os.environ["PHOTOLENS_MODELS_DIR"] = tempfile.mkdtemp(prefix="photolens-test-models-")
    atexit.register(shutil.rmtree, os.environ["PHOTOLENS_MODELS_DIR"], True)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random model exported to the model folder format (fp32 towers)."""
    from photolens.core.embed.export import export_model

    out = tmp_path_factory.mktemp("models") / "tiny"
    export_model(tiny_clip(), out, name="tiny", quantize_textual=False)
    return out


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """Twelve distinct pictures in a folder tree (one hidden folder, which is skipped)."""
    root = tmp_path / "photos"
    colours = [(220, 30, 30), (30, 200, 40), (40, 60, 220), (230, 220, 40)]
    for i in range(12):
        sub = root / ("trip" if i % 3 == 0 else "home")
        make_image(sub / f"p{i:02d}.{'png' if i % 2 else 'jpg'}", colours[i % 4], size=(90 + i, 70), seed=i,
                   shape="circle" if i % 2 else "square")
    make_image(root / ".thumbnails" / "hidden.png", (1, 2, 3))
    return root


@pytest.fixture
def lib(tmp_path: Path, tiny_model_dir: Path):  # noqa: ANN201 - a Library
    """A library on the tiny random model, in a fresh data folder."""
    from photolens.core.library import Library

    library = Library.open(tmp_path / "data", model_path=tiny_model_dir, models_dir=tmp_path / "models")
    # a random model sees all pictures as near-duplicates: list them one by one
    library.apply_settings(library.settings.with_changes(collapse_duplicates=False))
    yield library
    library.close()
