"""Names as you type: the last word of the query completes to person:Name.

Typing "person:an" or just "ann" (two letters or more of a known name) offers
`person:Anna`; choosing one replaces that last word. Names come from the library's people
(set_names after indexing and after each naming).
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QLineEdit

PERSON_TOKEN = re.compile(r'(?i)(?<!\S)-?(?:person|people|who):("[^"]*"?|\S*)')
MIN_PREFIX = 2


def person_token(name: str) -> str:
    return f'person:"{name}"' if " " in name else f"person:{name}"


def person_tokens(text: str) -> list[tuple[str, str]]:
    """The person filters in a query: (the token as typed, the name)."""
    return [(m.group(0), m.group(1).strip('"')) for m in PERSON_TOKEN.finditer(text) if m.group(1).strip('"')]


def without_token(text: str, token: str) -> str:
    return " ".join(text.replace(token, " ").split())


class PersonCompleter(QObject):
    def __init__(self, field: QLineEdit):
        super().__init__(field)
        self.field = field
        self._model = QStringListModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(field)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.activated.connect(self.insert)
        field.textEdited.connect(self._edited)
        self._names: list[str] = []

    def set_names(self, names: list[str]) -> None:
        self._names = sorted(names, key=str.casefold)
        self._model.setStringList([person_token(n) for n in self._names])

    def _last_word(self) -> str:
        text = self.field.text()[: self.field.cursorPosition()]
        return text.split(" ")[-1] if text else ""

    def _edited(self, _text: str) -> None:
        word = self._last_word()
        bare = word.split(":", 1)[1] if word.lower().startswith("person:") else word
        if not self._names or (len(bare) < MIN_PREFIX and not word.lower().startswith("person:")):
            self._hide()
            return
        self.completer.setCompletionPrefix(bare.strip('"'))
        if self.completer.completionCount():
            self.completer.complete()
        else:
            self._hide()

    def _hide(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def insert(self, completion: str) -> None:
        """Replace the word being typed with the chosen person:Name."""
        pos = self.field.cursorPosition()
        text = self.field.text()
        before, after = text[:pos], text[pos:]
        start = before.rfind(" ") + 1
        new_before = before[:start] + completion + " "
        self.field.setText(new_before + after.lstrip())
        self.field.setCursorPosition(len(new_before))
        self.field.textEdited.emit(self.field.text())
