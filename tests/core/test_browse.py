"""Library.browse: the whole library, newest first, narrowed by filters, a video once."""

from __future__ import annotations

import os
from pathlib import Path

from photolens.core.query.model import Filters
from tests.helpers import make_video, scene


def test_browse_lists_everything_newest_first_and_pages(lib, photo_dir: Path) -> None:  # noqa: ANN001
    for i, path in enumerate(sorted(photo_dir.rglob("p*.*"))):
        os.utime(path, (1_600_000_000 + i * 3600, 1_600_000_000 + i * 3600))
    make_video(photo_dir / "clip.mp4", [scene((200, 20, 20)), scene((20, 200, 20), seed=2)], seconds_each=2)
    lib.add_folder(photo_dir)
    lib.index()
    results = lib.browse()
    assert len(results.hits) == 13 and results.searched == 13
    dates = [h.taken_at for h in results.hits]
    assert dates == sorted(dates, reverse=True)
    [video] = [h for h in results.hits if h.media_type == "video"]
    assert video.frame_ms == 0 and len(video.moments) >= 2  # the video once, at its start
    assert [h.path for h in lib.browse(limit=5).hits] == [h.path for h in results.hits[:5]]
    only_images = lib.browse(Filters(media_type="image"))
    assert len(only_images.hits) == 12
    assert results.query.is_empty  # a listing, not a search
