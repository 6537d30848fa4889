"""OcrEngine: rapidocr (PP-OCR detection, orientation, recognition on ONNX Runtime), loaded
lazily, offline, on the CPU, quiet.

A picture is read in two steps. The gate runs the detector alone on a small copy
(GATE_SIDE px on its longer side): most photos hold no text, and for them that is all
it costs (tests/bench/ocr_bench.py: README, "Text in pictures"). Screenshots (PNG)
skip the gate: their small print would be lost on the small copy. When the gate finds
text regions, the whole pipeline runs on a copy of at most READ_SIDE px: detection,
the 0/180 degree orientation classifier on each region, recognition in each region.
A region much taller than wide (text turned by 90 degrees) is turned upright by rapidocr
before recognition, and the classifier turns upside-down lines round.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..errors import OcrUnavailableError

log = logging.getLogger(__name__)

GATE_SIDE = 640  # the detector's cheap look (ms per picture: README); at 480 it missed 16 px text in 1200 px
READ_SIDE = 1280  # detection + recognition copy: 32 px text in a 4000 px photo stays readable
MIN_SIDE = 12  # thinner than this no line of text fits (a 100000x1 strip is skipped)
MAX_ASPECT = 60  # a panorama strip longer than this is read in no case
MIN_SCORE = 0.6  # recognition confidence below which a line is dropped (rapidocr's default: 0.5)
FRAME_SHARE = 0.6  # a "line" wider and taller than this share of the picture is texture
SHORT_CHARS, SHORT_MIN_SCORE = 2, 0.85  # a lone character or two read in texture is noise unless sure
MODEL_FILES = {  # what the rapidocr wheel ships in rapidocr/models (PP-OCRv6 small, multilingual)
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}


@dataclass(frozen=True)
class TextLine:
    """One line of text as read: its words, the recogniser's confidence and its box (four
    corners x0, y0, ..., x3, y3 in the upright picture's pixels)."""

    text: str
    score: float
    box: tuple[int, ...]


@dataclass(frozen=True)
class PictureText:
    """What a picture says. `gated`: the cheap look found no text, nothing was recognised."""

    lines: tuple[TextLine, ...] = ()
    gated: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def bundled_models() -> dict[str, Path]:
    """The model files in the installed rapidocr wheel, found without importing it (that
    costs a second); OcrUnavailableError if any is missing (rapidocr would download them:
    we never do)."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise OcrUnavailableError("Text in pictures needs the rapidocr package (pip install rapidocr)")
    root = Path(next(iter(spec.submodule_search_locations))) / "models"
    paths = {k: root / name for k, name in MODEL_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise OcrUnavailableError(
            f"rapidocr is installed without its bundled models ({', '.join(missing)} missing); Photolens never "
            "downloads them: reinstall rapidocr from its wheel, or turn text in pictures off (ocr = false)")
    return paths


def _quiet_rapidocr() -> None:
    """rapidocr logs through its own colour handler at INFO: into our logging, errors only."""
    logger = logging.getLogger("RapidOCR")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    logger.propagate = True
    logger.setLevel(logging.ERROR)


class OcrEngine:
    """Reads the text in pictures. Not thread-safe: one per worker process."""

    def __init__(self, threads: int = 1, *, gate: bool = True):
        self.threads = max(1, threads)
        self.gate = gate  # False: every picture is read in full (the benchmark's baseline)
        self._ocr: Any = None

    def _load(self) -> Any:
        if self._ocr is None:
            from .. import ort_runtime  # noqa: F401 - telemetry off before rapidocr loads onnxruntime

            paths = bundled_models()
            from rapidocr import EngineType, RapidOCR

            params = {
                "Global.log_level": "error",
                "Global.max_side_len": READ_SIDE * 2,
                "Global.text_score": MIN_SCORE,
                "Det.limit_type": "max", "Det.limit_side_len": READ_SIDE,
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                **{f"{k}.model_path": str(p) for k, p in paths.items()},
                **{f"{k}.engine_type": EngineType.ONNXRUNTIME for k in paths},  # our onnxruntime, CPU
            }
            self._ocr = RapidOCR(params=params)
            _quiet_rapidocr()
        return self._ocr

    def read(self, image: Image.Image, *, gate: bool = True) -> PictureText:
        """The text lines of an upright RGB picture, top to bottom. gate=False: no cheap look
        first (screenshots: small print on a large canvas)."""
        w, h = image.size
        if min(w, h) < MIN_SIDE or max(w, h) > MAX_ASPECT * min(w, h):
            return PictureText(gated=True)
        ocr = self._load()
        page = _fit(image, READ_SIDE)
        # a picture no larger than the gate's copy is read at once: the look would cost as much
        gate = gate and self.gate and max(page.size) > GATE_SIDE * 1.25
        if gate and not self._has_text(ocr, _fit(page, GATE_SIDE)):
            return PictureText(gated=True)
        scale = w / page.width
        lines = self._recognise(ocr, page)
        lines.sort(key=lambda t: (min(t.box[1::2]), min(t.box[0::2])))
        return PictureText(tuple(TextLine(t.text, t.score, tuple(round(v * scale) for v in t.box)) for t in lines))

    def _has_text(self, ocr: Any, small: Image.Image) -> bool:
        out = ocr(_bgr(small), use_det=True, use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        return boxes is not None and any(_line_shaped(b, small.size) for b in boxes)

    def _recognise(self, ocr: Any, page: Image.Image) -> list[TextLine]:
        """The lines read with enough confidence (rapidocr drops the others)."""
        out = ocr(_bgr(page), use_det=True, use_cls=True, use_rec=True)
        txts = getattr(out, "txts", None)
        boxes = getattr(out, "boxes", None)
        if not txts or boxes is None:
            return []
        lines = []
        for text, score, box in zip(txts, out.scores, boxes, strict=False):
            text = " ".join(str(text).split())
            if not _line_shaped(box, page.size):
                continue
            if text and (len(text) > SHORT_CHARS or score >= SHORT_MIN_SCORE):
                coords = tuple(float(v) for v in np.asarray(box, dtype=np.float64).reshape(-1)[:8])
                lines.append(TextLine(text, float(score), coords))  # type: ignore[arg-type]
        return lines


def _line_shaped(box: object, size: tuple[int, int]) -> bool:
    """Whether a detected region can be a line of text: grain and texture make the detector
    outline the whole picture as one region (seen on noisy photos), a line never spans most
    of both its width and its height."""
    pts = np.asarray(box, dtype=np.float64).reshape(-1, 2)
    w, h = np.ptp(pts[:, 0]), np.ptp(pts[:, 1])
    return not (w > FRAME_SHARE * size[0] and h > FRAME_SHARE * size[1])


def _bgr(image: Image.Image) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])



def _fit(image: Image.Image, side: int) -> Image.Image:
    """The picture scaled down to at most `side` px on its longer side (never up)."""
    w, h = image.size
    if max(w, h) <= side:
        return image
    ratio = side / max(w, h)
    return image.resize((max(1, round(w * ratio)), max(1, round(h * ratio))), Image.Resampling.BILINEAR,
                        reducing_gap=2.0)
