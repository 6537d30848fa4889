"""Near-identical grouping never puts a video and a still picture in one group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from photolens.core.query.model import SearchQuery
from photolens.core.query.rank import collapse_near_duplicates
from tests.helpers import make_image, make_video


def test_kinds_keep_groups_to_one_media_type() -> None:
    vecs = np.asarray([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    assert collapse_near_duplicates(np.arange(3), vecs) == [[0, 1, 2]]
    kinds = np.asarray(["image", "video", "image"], dtype=object)
    assert collapse_near_duplicates(np.arange(3), vecs, kinds=kinds) == [[0, 2], [1]]


def test_a_video_is_never_a_near_identical_shot_of_a_still(lib, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "mixed"
    make_image(folder / "a.png", (200, 30, 30), seed=1)
    make_image(folder / "b.png", (200, 30, 30), size=(100, 75), seed=1)  # a near copy of a.png
    still = Image.open(folder / "a.png").convert("RGB")
    make_video(folder / "clip.mp4", [still, still], seconds_each=2)  # the same picture, filmed
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=True))
    lib.add_folder(folder)
    lib.index()
    # the tiny random model sees every picture as near-identical: the stills group, the video stays apart
    results = lib.search(SearchQuery(text="red", collapse_duplicates=True, limit=10))
    by_type = {h.media_type: h for h in results.hits}
    assert set(by_type) == {"image", "video"} and len(results.hits) == 2
    assert len(by_type["image"].near_duplicates) == 1
    assert not by_type["video"].near_duplicates
