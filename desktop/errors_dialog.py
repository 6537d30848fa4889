"""IndexErrorsDialog: the files that could not be indexed, and why."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from . import formatting


class IndexErrorsDialog(QDialog):
    def __init__(self, errors: list[tuple[str, str]], total: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("errorsDialog")
        self.setWindowTitle("Files that could not be indexed — Photolens")
        shown = formatting.count(len(errors), "file")
        more = f" (showing the first {len(errors):,} of {total:,})" if total > len(errors) else ""
        intro = QLabel(f"{formatting.count(total, 'file')} could not be indexed{more}. "
                       "They are tried again when they change.")
        intro.setWordWrap(True)
        intro.setAccessibleName(shown)
        self.table = QTableWidget(len(errors), 2, self)
        self.table.setHorizontalHeaderLabels(["File", "Why"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        for row, (path, reason) in enumerate(errors):
            item = QTableWidgetItem(path)
            item.setToolTip(path)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, QTableWidgetItem(reason))
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        box.rejected.connect(self.reject)
        box.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        self.resize(760, 420)

    def rows(self) -> list[tuple[str, str]]:
        def text(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(text(r, 0), text(r, 1)) for r in range(self.table.rowCount())]
