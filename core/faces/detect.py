"""Face detection and description with dlib's models (face_recognition_models).

Runs in the analyzer's worker processes: the models load once per process. A picture is
decoded at most DESCRIBE_SIDE on its long side (JPEG draft mode keeps large photos cheap),
faces are looked for on a DETECT_SIDE copy (HOG, no upsampling: a picture without faces
costs one pass over ~0.4 MP), and only when that pass finds a face is a second pass run at
DESCRIBE_SIDE for the smaller faces of a group photo. Each face gets 5 landmarks and dlib's
128-d descriptor, computed on the DESCRIBE_SIDE image (faces described from more pixels
than they were found at).
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..catalog import AnalyzerItem
from ..errors import PhotolensError

log = logging.getLogger(__name__)

DETECT_SIDE = 1200  # HOG finds faces of >= ~75 px: >= ~6% of the long side in the first pass
DESCRIBE_SIDE = 1600  # second pass (faces of >= 5%) and the descriptors' source pixels
MIN_FACE_PX = 40  # in the DESCRIBE_SIDE image: smaller faces describe badly
MIN_DETECT_SCORE = 0.25  # HOG's margin: at 0 a badge on the astronaut photo was a face; real ones 0.58-2.0
CHIP_SIZE = 150  # what dlib's ResNet expects
DESCRIPTOR_DIM = 128
MODEL_FILES = ("shape_predictor_5_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat")
INSTALL_HINT = "pip install dlib-bin face-recognition-models"


class FaceModelsMissingError(PhotolensError):
    """dlib or its face models are not installed."""


@dataclass(frozen=True)
class FoundFace:
    """One face: its box and landmarks as fractions of the picture (0..1, upright), dlib's
    descriptor, the detector's score and a quality figure (bigger and sharper is better)."""

    box: tuple[float, float, float, float]  # left, top, width, height
    landmarks: tuple[tuple[float, float], ...]
    descriptor: np.ndarray  # float32 (128,)
    score: float
    quality: float


def models_dir() -> Path:
    """Where face_recognition_models keeps its files (found without importing the package,
    whose __init__ needs pkg_resources, which new environments lack)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelsMissingError(f"The face models are not installed: {INSTALL_HINT}")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [f for f in MODEL_FILES if not (folder / f).is_file()]
    if missing:
        raise FaceModelsMissingError(f"The face models are incomplete ({', '.join(missing)} missing in {folder}): "
                                f"reinstall with {INSTALL_HINT}")
    return folder


def available() -> tuple[bool, str]:
    """Whether faces can be found here, and if not, why (for status and doctor)."""
    try:
        import dlib  # noqa: F401

        models_dir()
    except ImportError:
        return False, f"dlib is not installed: {INSTALL_HINT}"
    except FaceModelsMissingError as exc:
        return False, str(exc)
    return True, "dlib face models installed"


@lru_cache(maxsize=1)
def _models() -> tuple[Any, Any, Any]:
    try:
        import dlib
    except ImportError as exc:
        raise FaceModelsMissingError(f"dlib is not installed: {INSTALL_HINT}") from exc
    folder = models_dir()
    return (dlib.get_frontal_face_detector(), dlib.shape_predictor(str(folder / MODEL_FILES[0])),
            dlib.face_recognition_model_v1(str(folder / MODEL_FILES[1])))


def _scaled(image: Image.Image, side: int) -> Image.Image:
    if max(image.size) <= side:
        return image
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.BILINEAR)
    return copy


def _detect(detector: Any, image: Image.Image) -> list[tuple[Any, float]]:
    rects, scores, _ = detector.run(np.asarray(image), 0, MIN_DETECT_SCORE)
    return list(zip(rects, scores, strict=True))


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    return inter > 0.3 * min(aw * ah, bw * bh)


def find_faces(image: Image.Image) -> list[FoundFace]:
    """Every face in an upright RGB picture (any size: it is scaled down here)."""
    import dlib

    detector, predictor, describer = _models()
    big = _scaled(image, DESCRIBE_SIDE)
    small = _scaled(big, DETECT_SIDE)
    found = [(r, s, big.width / small.width) for r, s in _detect(detector, small)]
    if found and big is not small:
        found += [(r, s, 1.0) for r, s in _detect(detector, big)]
    pixels = np.asarray(big)
    gray = np.asarray(big.convert("L"), dtype=np.float32)
    w, h = big.size
    faces: list[FoundFace] = []
    for rect, score, k in sorted(found, key=lambda f: -f[1]):
        left, top = max(0.0, rect.left() * k), max(0.0, rect.top() * k)
        right, bottom = min(float(w), rect.right() * k), min(float(h), rect.bottom() * k)
        if right - left < MIN_FACE_PX or bottom - top < MIN_FACE_PX:
            continue
        box = (left / w, top / h, (right - left) / w, (bottom - top) / h)
        if any(_overlaps(box, f.box) for f in faces):
            continue  # the same face from the other pass
        shape = predictor(pixels, dlib.rectangle(int(left), int(top), int(right), int(bottom)))
        chip = dlib.get_face_chip(pixels, shape, size=CHIP_SIZE, padding=0.25)
        descriptor = np.asarray(describer.compute_face_descriptor(chip), dtype=np.float32)
        marks = tuple((p.x / w, p.y / h) for p in shape.parts())
        faces.append(FoundFace(box, marks, descriptor, float(score),
                               _quality(right - left, gray[int(top):int(bottom), int(left):int(right)])))
    return faces


def _quality(size_px: float, face: np.ndarray) -> float:
    """0..1: the face's size (saturating at 200 px) times its sharpness (the variance of a
    Laplacian, saturating at 100): the best face of a person is its portrait."""
    if face.shape[0] < 3 or face.shape[1] < 3:
        return 0.0
    lap = face[1:-1, 1:-1] * 4 - face[:-2, 1:-1] - face[2:, 1:-1] - face[1:-1, :-2] - face[1:-1, 2:]
    sharp = min(1.0, float(lap.var()) / 100.0)
    return round(min(1.0, size_px / 200.0) * (0.3 + 0.7 * sharp), 4)


def faces_in_item(item: AnalyzerItem) -> list[FoundFace]:
    """The analyzer's per-item work (a worker process): decode the picture or the video
    frame, then find its faces. Errors propagate: the stage records them per file."""
    if item.media_type == "video":
        from ..media.video import read_frame

        image = read_frame(item.path, item.frame_ms, min_side=DETECT_SIDE)
    else:
        from ..media.decode import open_image

        image = open_image(item.path, min_side=DETECT_SIDE)
    return find_faces(image)
