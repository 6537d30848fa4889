"""Closing the library while another thread searches: the search finishes, then it closes.

Closing SQLite under a running statement killed the process (a segmentation fault seen in
CI when a test's library closed while the window's search thread was still reading).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from photolens.core import library as library_module
from photolens.core.errors import LibraryClosedError
from photolens.core.gate import OpenGate
from photolens.core.library import Library

WAIT_S = 30


def test_the_gate_waits_for_operations_inside_and_refuses_new_ones() -> None:
    gate = OpenGate()
    inside, release = threading.Event(), threading.Event()

    def operation() -> None:
        with gate.enter():
            inside.set()
            release.wait(WAIT_S)

    worker = threading.Thread(target=operation)
    worker.start()
    assert inside.wait(WAIT_S)
    assert gate.close(timeout=0.05) is False  # the operation is still inside
    assert gate.inside == 1
    with pytest.raises(LibraryClosedError), gate.enter():
        pass
    release.set()
    assert gate.close(timeout=WAIT_S) is True
    worker.join(WAIT_S)
    assert gate.inside == 0


def test_closing_from_inside_an_operation_does_not_wait_for_itself() -> None:
    gate = OpenGate()
    with gate.enter():
        assert gate.close(timeout=WAIT_S) is True


def test_close_waits_for_a_search_in_another_thread(
    lib: Library, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lib.add_folder(photo_dir)
    lib.index()
    real_search = library_module.run_search
    searching, release = threading.Event(), threading.Event()

    def slow_search(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - passes through
        searching.set()
        release.wait(WAIT_S)
        return real_search(*args, **kwargs)

    monkeypatch.setattr(library_module, "run_search", slow_search)
    answers: list[object] = []
    searcher = threading.Thread(target=lambda: answers.append(lib.search("a red circle")))
    searcher.start()
    assert searching.wait(WAIT_S)
    closer = threading.Thread(target=lib.close)
    closer.start()
    # the closer stops at the gate: no new operation gets in, the running one continues
    deadline = threading.Event()
    while not lib._gate.closed and not deadline.wait(0.01):
        pass
    with pytest.raises(LibraryClosedError):
        lib.search("a dog")
    assert closer.is_alive()
    release.set()
    searcher.join(WAIT_S)
    closer.join(WAIT_S)
    assert not closer.is_alive()
    assert len(answers) == 1 and len(answers[0].hits) > 0  # type: ignore[attr-defined]
    with pytest.raises(LibraryClosedError):
        lib.status()
    lib.close()  # a second close is harmless (the fixture closes again)
