"""The status bar line for each indexing phase."""

from __future__ import annotations

from photolens.core.progress import IndexProgress
from photolens.desktop.index_status import describe_progress


def test_an_analyzer_says_what_it_does_after_the_clip_pass() -> None:
    p = IndexProgress("analyze", 3, 12, current="Scoring generic pictures")
    assert describe_progress(p, paused=False) == "Scoring generic pictures… 3 of 12"
    assert describe_progress(p, paused=True) == "Paused: Scoring generic pictures… 3 of 12"


def test_indexing_shows_counts_rate_and_time_left() -> None:
    p = IndexProgress("index", 40, 100, rate=8.0, eta_s=7.5)
    line = describe_progress(p, paused=False)
    assert line.startswith("Indexing 40 of 100") and "left" in line
