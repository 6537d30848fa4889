"""Videos: frames sampled with timestamps, one result per video at its best moment."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from photolens.core.errors import DecodeError
from photolens.core.library import Library
from photolens.core.media import video
from photolens.core.query.model import SearchQuery
from tests.helpers import make_image, make_video, scene

RED, BLUE, GREEN = (230, 20, 20), (20, 30, 230), (20, 210, 40)


def _centre(image) -> tuple[int, int, int]:  # noqa: ANN001 - a PIL image
    return image.getpixel((image.width // 2, image.height // 2))


def _close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 25) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


def test_sample_times_cover_the_video_within_limits() -> None:
    assert video.sample_times(0) == [0.0]
    assert video.sample_times(float("nan")) == [0.0]
    clip = video.sample_times(30)
    assert len(clip) == 15 and clip[0] == 0 and clip[-1] < 30
    film = video.sample_times(2 * 3600)
    assert len(film) == video.MAX_FRAMES and film[1] == pytest.approx(7200 / video.MAX_FRAMES)


def test_frames_are_sampled_at_their_timestamps(tmp_path: Path) -> None:
    path = make_video(tmp_path / "clip.mp4", [scene(RED), scene(BLUE, shape="square")], seconds_each=3,
                      creation_time="2021-06-01T12:00:00.000000Z")
    info = video.probe(path)
    assert (info.width, info.height, info.rotation) == (96, 72, 0)
    assert info.duration_s == pytest.approx(6.0, abs=0.2)
    assert info.created_at == pytest.approx(1622548800.0)
    frames = video.sample_frames(path)
    assert [ms for ms, _ in frames] == [0, 2000, 4000]
    colours = [_centre(image) for _, image in frames]
    assert all(_close(c, RED) for c in colours[:2]) and _close(colours[2], BLUE)
    assert _close(_centre(video.read_frame(path, 4000)), BLUE)


@pytest.mark.parametrize(("name", "codec"), [("clip.mkv", "libx264"), ("clip.webm", "libvpx-vp9"),
                                            ("clip.avi", "mjpeg"), ("clip.mov", "mpeg4"), ("clip.m2ts", "mpeg2video")])
def test_other_containers_and_codecs(tmp_path: Path, name: str, codec: str) -> None:
    path = make_video(tmp_path / name, [scene(RED), scene(BLUE, shape="square")], seconds_each=3, codec=codec)
    assert video.probe(path).duration_s == pytest.approx(6.0, abs=0.3)
    frames = video.sample_frames(path)
    assert [ms for ms, _ in frames] == [0, 2000, 4000]
    assert _close(_centre(frames[0][1]), RED, 40) and _close(_centre(frames[2][1]), BLUE, 40)


def test_rotated_phone_video_is_upright(tmp_path: Path) -> None:
    wide = scene(GREEN, size=(96, 64))
    path = make_video(tmp_path / "portrait.mp4", [wide], seconds_each=1, rotation=90)
    info = video.probe(path)
    assert (info.width, info.height, info.rotation) == (64, 96, 90)
    assert video.read_frame(path).size == (64, 96)


@pytest.mark.parametrize("content", [b"", b"not a video at all" * 50, None])
def test_unreadable_video_raises_a_readable_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "broken.mp4"
    if content is None:  # truncated: the first third of a real video
        real = make_video(tmp_path / "real.mp4", [scene(RED)], seconds_each=2).read_bytes()
        content = real[: len(real) // 3]
    path.write_bytes(content)
    with pytest.raises(DecodeError, match="video"):
        video.sample_frames(path)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    make_video(root / "clips" / "party.mp4", [scene(RED), scene(GREEN, shape="square", seed=3)], seconds_each=3)
    for i, colour in enumerate((RED, BLUE, GREEN)):
        make_image(root / f"photo{i}.png", colour, seed=10 + i, shape="circle" if i else "square")
    return root


def test_video_is_indexed_as_frames_and_found_at_its_moment(lib: Library, media: Path, tmp_path: Path) -> None:
    lib.add_folder(media)
    report = lib.index()
    assert (report.embedded, report.errors) == (4, 0)
    assert lib.status().indexed == 4
    assert lib.catalog.count_embeddings(lib.model_id) == 3 + 3  # three photos, three frames (every 2 s)
    clip = str(media / "clips" / "party.mp4")

    # the second scene, as an example image: the video comes first, at that scene
    example = scene(GREEN, shape="square", seed=3)
    hits = lib.search(SearchQuery(image=example, limit=10, collapse_duplicates=False)).hits
    assert hits[0].path == clip and hits[0].media_type == "video"
    assert hits[0].frame_ms is not None and hits[0].frame_ms >= 3000
    assert hits[0].duration_s == pytest.approx(6.0, abs=0.2)
    assert hits[0].moments == (0, 2000, 4000) and all(h.moments == () for h in hits[1:])
    assert [h.path for h in hits].count(clip) == 1  # one result per video, not per frame
    assert len(hits) == 4

    # a video file as the example: its middle frame (3 s: the second scene)
    by_clip = lib.search(SearchQuery(image=media / "clips" / "party.mp4", limit=3, collapse_duplicates=False)).hits
    assert by_clip[0].path == clip and by_clip[0].frame_ms is not None and by_clip[0].frame_ms >= 3000

    # "more like this" on the video: the example's other frames are not results either
    more = lib.search(SearchQuery(like_items=(hits[0].item_id,), limit=10, collapse_duplicates=False)).hits
    assert clip not in [h.path for h in more] and len(more) == 3

    only_videos = lib.search(SearchQuery(text="party type:video", limit=10, collapse_duplicates=False)).hits
    assert [h.path for h in only_videos] == [clip]
    assert all(h.media_type == "image" for h in lib.search("type:image anything").hits)
    record = lib.catalog.file_by_path(clip)
    assert record is not None and record.media_type == "video" and (record.width, record.height) == (96, 72)


def test_moved_video_keeps_its_frames_and_deleted_one_loses_them(lib: Library, media: Path) -> None:
    lib.add_folder(media)
    lib.index()
    shutil.move(media / "clips", media / "films")
    again = lib.index()
    assert again.embedded == 0
    assert lib.catalog.count_embeddings(lib.model_id) == 6
    (media / "films" / "party.mp4").unlink()
    lib.index()
    assert lib.catalog.count_embeddings(lib.model_id) == 3
    assert len(lib.vectors) == 3


def test_broken_video_is_a_per_file_error_and_the_rest_is_indexed(lib: Library, media: Path) -> None:
    (media / "broken.mov").write_bytes(b"\x00\x00\x00\x18ftypqt  " + bytes(range(256)) * 8)
    lib.add_folder(media)
    report = lib.index()
    assert report.errors == 1 and report.embedded == 4
    errors = dict(lib.status().errors)
    assert "video" in errors[str(media / "broken.mov")]


def test_many_frames_do_not_crowd_out_other_results(lib: Library, tmp_path: Path) -> None:
    root = tmp_path / "long"
    films = [make_video(root / f"film{v}.mp4", [scene(RED, seed=10 * v + s) for s in range(4)], seconds_each=25, fps=1)
             for v in range(3)]
    for i in range(12):
        make_image(root / f"p{i}.png", BLUE, seed=100 + i)
    lib.add_folder(root)
    lib.index()
    assert lib.catalog.count_embeddings(lib.model_id) == 12 + 3 * video.MAX_FRAMES
    # 144 frames outnumber the first fetch of candidates (100): the search digs deeper
    hits = lib.search(SearchQuery(image=scene(RED, seed=0), limit=5, collapse_duplicates=False)).hits
    assert len(hits) == 5 and len({h.path for h in hits}) == 5
    assert {str(f) for f in films} <= {h.path for h in hits}


def test_cli_lists_a_video_once_with_its_moment(tmp_path: Path, tiny_model_dir: Path, media: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from photolens.core.cli import main

    data = str(tmp_path / "cli-data")
    assert main(["--data-dir", data, "index", str(media), "--model-path", str(tiny_model_dir), "--json"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", data, "search", "party type:video", "--json", "--all"]) == 0
    [hit] = json.loads(capsys.readouterr().out)
    assert hit["media_type"] == "video" and hit["frame_ms"] in (0, 2000, 4000)
    assert hit["duration_s"] == pytest.approx(6.0, abs=0.2)
    assert main(["--data-dir", data, "search", "party type:video", "--all"]) == 0
    assert f"party.mp4  @ {hit['frame_ms'] / 1000:.1f} s" in capsys.readouterr().out


def test_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    import av
    import numpy as np

    path = tmp_path / "voice-memo.m4a.mp4"
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("aac", rate=44100, layout="mono")
        for i in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), dtype=np.float32), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 44100, i * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    with pytest.raises(DecodeError, match="no video track"):
        video.probe(path)
