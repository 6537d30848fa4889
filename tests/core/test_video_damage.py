"""Damaged and unusual video files give the frames that decode (issue 13): a raw H.264
stream with junk after it was "permission denied" (FFmpeg's EPERM on a seek), a
half-truncated faststart MP4 was refused entirely."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from photolens.core.errors import DecodeError
from photolens.core.media.video import sample_frames
from tests.helpers import make_video

RED, GREEN, BLUE = (210, 20, 20), (20, 200, 30), (30, 40, 220)


def _scenes() -> list[Image.Image]:
    return [Image.new("RGB", (96, 72), c) for c in (RED, GREEN, BLUE)]


def _colour(image: Image.Image) -> tuple[int, int, int]:
    r, g, b = image.resize((1, 1)).getpixel((0, 0))  # type: ignore[misc]
    return int(r), int(g), int(b)


def _near(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return all(abs(x - y) < 40 for x, y in zip(a, b, strict=True))


def test_raw_h264_with_junk_after_it_decodes_from_the_start(tmp_path: Path) -> None:
    raw = make_video(tmp_path / "clip.h264", _scenes(), seconds_each=3.0)
    named = tmp_path / "clip.mp4"  # what a camera app or a careless copy produces
    named.write_bytes(raw.read_bytes() + b"\x00junk\xff" * 4000)
    frames = sample_frames(named, [0.0, 4.0, 7.0])
    colours = [_colour(im) for _, im in frames]
    assert [ms for ms, _ in frames] == [0, 4000, 7000]
    assert _near(colours[0], RED) and _near(colours[1], GREEN) and _near(colours[2], BLUE)


def test_a_half_truncated_faststart_mp4_keeps_the_frames_before_the_cut(tmp_path: Path) -> None:
    import av

    path = tmp_path / "phone.mp4"
    with av.open(str(path), mode="w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 96, 72, "yuv420p"
        stream.options = {"g": "10"}
        rng = np.random.default_rng(0)
        for scene in _scenes():
            for _ in range(40):  # grain: every frame costs bytes, so half the file is many frames
                grain = rng.integers(-12, 12, (72, 96, 3))
                noisy = np.clip(np.asarray(scene, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
                out.mux(stream.encode(av.VideoFrame.from_ndarray(noisy, format="rgb24")))
        out.mux(stream.encode(None))
    data = path.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # faststart: the index first
    path.write_bytes(data[: len(data) // 2])
    frames = sample_frames(path, [0.0, 2.0, 5.0, 9.0, 11.0])
    assert frames and frames[0][0] == 0 and _near(_colour(frames[0][1]), RED)
    assert len(frames) < 5  # what lay after the cut is not invented


def test_an_unreadable_file_is_still_permission_denied(tmp_path: Path) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = make_video(tmp_path / "locked.mp4", _scenes()[:1], seconds_each=1.0)
    path.chmod(0)
    with pytest.raises(DecodeError, match="permission denied"):
        sample_frames(path, [0.0])
