"""The benchmark scripts run: each on a tiny model and a handful of inputs (--smoke), in seconds.

Figures are printed, never asserted (QUALITY.md §2); this only proves the scripts work and
print their summary line, so they do not rot between real measurements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench import (
    cli_latency,
    faces_bench,
    fresh_start,
    gui_launch,
    hash_speed,
    index_throughput,
    ipc_cost,
    lanes_ab,
    make_jpegs,
    oracle_eval,
    query_latency,
    rescan,
    switch_eval,
    video_eval,
    video_index,
    watch_latency,
)


def _last_line(capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    return _figures(capsys.readouterr().out)


def _figures(out: str) -> dict[str, str]:
    """The `key=value ...` line a benchmark ends with (after its machine header)."""
    assert "machine:" in out and "onnxruntime" in out
    last = out.strip().splitlines()[-1]
    return dict(part.split("=", 1) for part in last.split())


def _args(tmp_path: Path, model: Path | None = None) -> list[str]:
    args = ["--smoke", "--cache-dir", str(tmp_path / "cache"), "--json", str(tmp_path / "figures.json")]
    return args + (["--model-path", str(model)] if model else [])


def test_make_jpegs_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_jpegs.main(["--smoke", "--cache-dir", str(tmp_path)]) == 0
    figures = _last_line(capsys)
    assert figures["jpegs"] == "4"
    files = sorted(make_jpegs.jpeg_folder(tmp_path, (320, 240)).glob("*.jpg"))
    assert len(files) == 4
    # deterministic content: the same index renders the same picture
    assert make_jpegs.render(1, (64, 48)).tobytes() == make_jpegs.render(1, (64, 48)).tobytes()


def test_index_throughput_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert index_throughput.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert set(figures) == {"e2e_img_s", "model_only_img_s", "naive_img_s", "speedup_vs_naive",
                            "e2e_share_of_model_only", "rclip_like_e2e_img_s", "rclip_like_naive_img_s",
                            "rclip_like_speedup", "cpu_cores_used", "share_of_cpu_limit", "first_pass_img_s",
                            "with_analyzers_img_s"}
    assert float(figures["e2e_img_s"]) > 0
    assert (tmp_path / "figures.json").is_file()


def test_query_latency_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert query_latency.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert float(figures["p50_ms_300"]) > 0
    assert float(figures["rss_mib_300"]) > 0


def test_cli_latency_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_latency.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert float(figures["cli_search_s"]) > 0 and float(figures["cli_help_s"]) > 0


def test_fresh_start_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert fresh_start.main(_args(tmp_path)) == 0
    figures = _last_line(capsys)
    assert float(figures["oracle_cached_s"]) > 0 and float(figures["oracle_not_cached_s"]) > 0


def test_gui_launch_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert gui_launch.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert float(figures["gui_window_s"]) > 0 and float(figures["gui_first_query_s"]) > 0


def test_rescan_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert rescan.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert figures["files"] == "300"
    assert figures["moved_reembedded"] == "0"


def test_watch_latency_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert watch_latency.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert float(figures["copy_to_searchable_median_s"]) > 0
    assert figures["burst_files"] == "4"


def test_oracle_eval_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, tiny_model_dir) + ["--planted-hubs", "2", "--generic-bank"]
    assert oracle_eval.main(args) == 0
    out = capsys.readouterr().out
    assert "planted hubs, hubness on: text queries with a hub in their top 5:" in out
    assert "planted hubs, generic bank, hubness off" in out
    figures = _figures(out)
    assert 0 <= float(figures["text_r5"]) <= 1
    assert set(figures) == {"text_r5", "image_r5", "sketch_text_r5", "composed_r5"}


def test_video_index_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert video_index.main(_args(tmp_path, tiny_model_dir)) == 0
    figures = _last_line(capsys)
    assert float(figures["frames_per_s"]) > 0 and float(figures["sample_ms_per_frame"]) > 0


def test_video_eval_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert video_eval.main(_args(tmp_path, tiny_model_dir)) == 0
    out = capsys.readouterr().out
    assert "softmax 0.03" in out
    figures = _figures(out)
    assert set(figures) == {"video_r1", "video_r3", "video_r5", "video_r10", "moment"}


def test_switch_eval_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert switch_eval.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "oracle -> oracle-b  50% re-embedded" in out and "oracle-b -> oracle   100% re-embedded" in out


def test_faces_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("dlib")
    assert faces_bench.main(_args(tmp_path)) == 0
    figures = _last_line(capsys)
    assert {"no_face_ms", "faces_per_s", "regroup_s", "person_query_ms"} <= set(figures)


def test_ocr_bench_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.bench import ocr_bench

    assert ocr_bench.main([*_args(tmp_path), "--only", "speed,latency"]) == 0
    figures = _last_line(capsys)
    assert float(figures["speed_ms_plain_gate"]) > 0 and float(figures["latency_filter_word_p50_ms"]) > 0


def test_hash_speed_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert hash_speed.main(_args(tmp_path)) == 0
    assert set(_last_line(capsys)) == {"blake2b_ms", "xxh3_ms", "both_ms", "speedup"}


def test_model_disk_use_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.bench import model_disk_use

    assert model_disk_use.main(["--vectors", "2000", "--dir", str(tmp_path)]) == 0
    assert "count on the index (now): median" in capsys.readouterr().out


def test_gpu_bench_runs_on_the_cpu_at_toy_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("open_clip")
    from tests.bench import gpu_bench

    assert gpu_bench.main(["--device", "cpu", "--quick", "--out", str(tmp_path / "gpu.json")]) == 0
    import json

    figures = json.loads((tmp_path / "gpu.json").read_text())
    assert figures["torch_fp32"]["b4"]["model_img_s"] > 0 and "ort" in figures


def test_ipc_cost_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ipc_cost.main(_args(tmp_path)) == 0
    assert set(_last_line(capsys)) == {"float32_cpu_ms", "uint8_cpu_ms"}


def test_lanes_ab_smoke(tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lanes_ab.main(_args(tmp_path, tiny_model_dir)) == 0
    assert set(_last_line(capsys)) == {"plan_img_s", "fixed_img_s", "plan_cores", "fixed_cores"}


def test_decode_speed_smoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.bench import decode_speed

    assert decode_speed.main(["--files", "2", "--size", "640", "480", "--max-rounds", "2",
                              "--cache-dir", str(tmp_path)]) == 0
    import json

    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert figures["pillow-draft_ms"] > 0 and "agreed" in figures
