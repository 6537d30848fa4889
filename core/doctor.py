"""`photolens doctor`: check the installation and say what to do about each problem."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import default_data_dir, default_models_dir, ensure_private_dir
from .embed import registry


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # "ok" | "warn" | "fail"
    detail: str
    fix: str = ""


def _python() -> Check:
    v = sys.version_info
    ok = v >= (3, 10)
    return Check("python", "ok" if ok else "fail", sys.version.split()[0], "" if ok else "install Python 3.10 or newer")


def _qt() -> Check:
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return Check("qt", "fail", "PySide6 is not installed", "pip install PySide6-Essentials")
    from .gui_check import check_gui

    result = check_gui()
    if result.ok:
        return Check("qt", "ok", result.message)
    fix = ("install the libraries named above" if result.missing
           else "run from a desktop session, or set QT_QPA_PLATFORM=offscreen for headless use")
    return Check("qt", "fail" if result.missing else "warn", result.message, fix)


def _onnxruntime() -> Check:
    try:
        from .ort_runtime import ort
    except ImportError:
        return Check("onnxruntime", "fail", "not installed", "pip install onnxruntime")
    providers = ort.get_available_providers()
    return Check("onnxruntime", "ok", f"{ort.__version__}, providers: {', '.join(providers)}")


def _gpu() -> Check:
    if shutil.which("nvidia-smi") is None:
        return Check("gpu", "ok", "no NVIDIA GPU found: indexing runs on the CPU (fine)")
    if importlib.util.find_spec("torch") is None:
        return Check("gpu", "warn", "an NVIDIA GPU is present but torch is not installed",
                     "pip install 'photolens[torch]' and set backend = \"torch\" in settings.toml")
    return Check("gpu", "ok", "NVIDIA GPU and torch present (backend = \"torch\" uses it)")


def _model(model: str, model_path: str | None = None) -> Check:
    if model_path:
        try:
            from .embed.model_files import ModelFolder

            folder = ModelFolder.load(Path(model_path))
            return Check("model", "ok", f"{folder.config.model_id} in {model_path}")
        except Exception as exc:  # noqa: BLE001 - any problem is reported, not raised
            return Check("model", "fail", str(exc), "re-export the model or fix the model_path setting")
    models_dir = default_models_dir()
    if registry.is_installed(models_dir, model):
        return Check("model", "ok", f"{model} in {registry.model_dir(models_dir, model)}")
    return Check("model", "warn", f"{model} is not installed in {models_dir}", registry.missing_message(model, registry.model_dir(models_dir, model)))


def _data_dir(path: Path) -> Check:
    try:
        ensure_private_dir(path)
        probe = path / ".doctor-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check("data dir", "fail", f"{path}: {exc}", "choose another with --data-dir or PHOTOLENS_DATA_DIR")
    free = shutil.disk_usage(path).free
    if free < 500_000_000:
        return Check("data dir", "warn", f"{path}: only {free / 1e6:.0f} MB free", "free some disk space")
    return Check("data dir", "ok", f"{path} ({free / 1e9:.1f} GB free)")


def _watch_limit() -> Check:
    limit_file = Path("/proc/sys/fs/inotify/max_user_watches")
    if not limit_file.exists():
        return Check("watch limit", "ok", "not applicable on this system")
    limit = int(limit_file.read_text().strip() or 0)
    if limit < 65536:
        return Check("watch limit", "warn", f"inotify allows {limit} watched folders",
                     "echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/60-photolens.conf && sudo sysctl --system")
    return Check("watch limit", "ok", f"inotify allows {limit} watched folders")


def _faces() -> Check:
    from .faces.detect import INSTALL_HINT, available

    ok, why = available()
    if ok:
        return Check("faces", "ok", why + ": people are found after indexing")
    return Check("faces", "warn", why + ": searching by person is off", INSTALL_HINT)
def _text_in_pictures() -> Check:
    """rapidocr and the models its wheel ships (found without importing it)."""
    from .errors import OcrUnavailableError
    from .ocr.engine import bundled_models

    try:
        paths = bundled_models()
    except OcrUnavailableError as exc:
        return Check("text in pictures", "warn", str(exc), "pip install --force-reinstall rapidocr, or set ocr = false")
    size = sum(p.stat().st_size for p in paths.values()) / 2**20
    return Check("text in pictures", "ok", f"rapidocr's bundled PP-OCR models ({size:.0f} MiB), read on the CPU")


def _cluster(address: str | None) -> Check:
    """Ray for `index --cluster`: installed or not (found without importing it); with an
    address, what that cluster offers (connecting starts a local instance for `local`)."""
    if importlib.util.find_spec("ray") is None:
        return Check("cluster", "fail" if address else "ok",
                     "Ray is not installed: indexing runs on this machine (fine)",
                     "pip install 'photolens[cluster]' to index on a Ray cluster" if address else "")
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = f"Ray {version('ray')}"
    except PackageNotFoundError:
        installed = "Ray"
    if not address:
        return Check("cluster", "ok", f"{installed} installed: `photolens index --cluster local` or ray://HOST:PORT; "
                                      "`photolens doctor --cluster ADDRESS` reports what a cluster offers")
    from .cluster.options import ClusterOptions
    from .cluster.ray_stage import describe
    from .errors import PhotolensError

    try:
        return Check("cluster", "ok", describe(ClusterOptions(address)))
    except PhotolensError as exc:
        return Check("cluster", "fail", str(exc), "start the cluster (`ray start --head`) or check the address")


def run_checks(model: str = "ViT-B-32", data_dir: Path | None = None, model_path: str | None = None,
               cluster: str | None = None) -> list[Check]:
    return [
        _python(), _qt(), _onnxruntime(), _gpu(), _model(model, model_path),
        _data_dir(data_dir or default_data_dir()), _watch_limit(), _faces(), _text_in_pictures(),
        _cluster(cluster),
    ]
