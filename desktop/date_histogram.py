"""DateHistogram: when the shown results were taken, a bar per year (per month when they
all fall within two years); a click narrows the query to that time through the search box,
so it shows as a 'When:' chip the user can remove."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from photolens.core.query.model import SearchHit

HEIGHT = 46
MONTHS_WITHIN_YEARS = 2
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Bucket:
    key: str  # what the query gets: "2019" or "2019-06" (core/query/when.py reads both)
    label: str  # "2019", "Jun 2019"
    count: int


def buckets(hits: Sequence[SearchHit]) -> list[Bucket]:
    """Counts per year, or per month when every dated hit is within MONTHS_WITHIN_YEARS years."""
    dates = [datetime.fromtimestamp(h.taken_at) for h in hits if h.taken_at]
    if len(dates) < 2:
        return []
    years = sorted({d.year for d in dates})
    if years[-1] - years[0] < MONTHS_WITHIN_YEARS:
        counts = Counter((d.year, d.month) for d in dates)
        first, last = min(counts), max(counts)
        out = []
        y, m = first
        while (y, m) <= last:
            out.append(Bucket(f"{y}-{m:02d}", f"{MONTH_NAMES[m - 1]} {y}", counts.get((y, m), 0)))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out if len(out) > 1 else []
    per_year = Counter(d.year for d in dates)
    return [Bucket(str(y), str(y), per_year.get(y, 0)) for y in range(years[0], years[-1] + 1)]


class DateHistogram(QWidget):
    """Bars of the results' dates; hover names a bar, a click emits its key."""

    picked = Signal(str)  # "2019" or "2019-06"

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dateHistogram")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("When the results were taken")
        self.bars: list[Bucket] = []
        self._hover = -1
        self.setVisible(False)

    def show_hits(self, hits: Sequence[SearchHit]) -> None:
        self.bars = buckets(hits)
        self._hover = -1
        self.setVisible(bool(self.bars))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(400, HEIGHT)

    def _bar_at(self, x: float) -> int:
        if not self.bars:
            return -1
        i = int(x / max(1.0, self.width() / len(self.bars)))
        return i if 0 <= i < len(self.bars) else -1

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        i = self._bar_at(event.position().x())
        if i != self._hover:
            self._hover = i
            if i >= 0:
                bar = self.bars[i]
                self.setToolTip(f"{bar.label}: {bar.count} picture{'s' if bar.count != 1 else ''} - click to see "
                                "only these")
            self.update()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self._hover = -1
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt API
        i = self._bar_at(event.position().x())
        if event.button() == Qt.MouseButton.LeftButton and i >= 0 and self.bars[i].count:
            self.picked.emit(self.bars[i].key)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt API
        if not self.bars:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        accent = pal.color(pal.ColorRole.Highlight)
        base = QColor(accent)
        base.setAlpha(120)  # the bars in the accent colour, lighter; the one under the pointer full
        text = pal.color(pal.ColorRole.WindowText)
        top = max(b.count for b in self.bars)
        width = self.width() / len(self.bars)
        label_h = 12
        for i, bar in enumerate(self.bars):
            h = (self.height() - label_h - 2) * bar.count / top if top else 0
            rect = QRectF(i * width + 1, self.height() - label_h - h, max(1.0, width - 2), h)
            p.fillRect(rect, accent if i == self._hover else base)
        font = p.font()
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.75))
        p.setFont(font)
        p.setPen(QColor(text))
        step = max(1, int(60 / max(1.0, width)))  # a label every ~60 px
        for i in range(0, len(self.bars), step):
            p.drawText(QRectF(i * width, self.height() - label_h, width * step, label_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.bars[i].label)
        p.end()
