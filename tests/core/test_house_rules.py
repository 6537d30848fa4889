"""House rules that keep the engine an engine: no Qt, no torch on the default path, no prints."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
TORCH_MODULES = {"export.py", "torch_backend.py"}


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, at top level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, id(node) in top))
    return out


def test_core_never_imports_qt() -> None:
    for path in CORE.rglob("*.py"):
        for module, _ in _imports(path):
            assert not module.startswith(("PySide6", "PyQt", "shiboken6", "photolens.desktop")), f"{path}: {module}"


def test_torch_only_imported_lazily() -> None:
    for path in CORE.rglob("*.py"):
        for module, top_level in _imports(path):
            if module.split(".")[0] in ("torch", "open_clip", "torchvision"):
                assert path.name in TORCH_MODULES and not top_level, f"{path}: {module}"


def test_hub_client_only_imported_lazily_by_the_downloader() -> None:
    for path in [*CORE.rglob("*.py"), *(CORE.parent / "desktop").rglob("*.py")]:
        for module, top_level in _imports(path):
            if module.split(".")[0] in ("huggingface_hub", "httpx", "httpx2", "requests"):
                assert path.name == "download.py" and not top_level, f"{path}: {module}"


def test_no_print_in_core() -> None:
    for path in CORE.rglob("*.py"):
        if path.name.startswith("cli"):
            continue  # the CLI (cli.py, cli_*.py) is an entry point: printing is its job
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") in ("print", "input")]
        assert not calls, f"{path} calls print/input"


def test_ray_only_imported_lazily_by_the_cluster_stage() -> None:
    """The default install never imports ray: only core/cluster's Ray modules do, inside functions."""
    for path in CORE.rglob("*.py"):
        for module, top_level in _imports(path):
            if module.split(".")[0] == "ray":
                assert path.parent.name == "cluster" and path.name in ("ray_stage.py", "workers.py"), path
                assert not top_level, f"{path}: {module} at import time"
