"""The query planner: one search box for who, where, when, written text and what it looks like.

After the explicit syntax is read (core/query/parse.py), the planner reads the words left:

- words that name something the library has become filters, each shown as a chip that
  says what it matched and that the user can remove (the words then go back to CLIP):
  a named person ("Anna", or a first name only one person has), a place some picture was
  taken in ("Lisbon", "Portugal"), a date ("last summer", "2019", "march": core/query/when.py),
  a folder ("in Holidays"), a camera ("iphone");
- a word names a person or a place only if the library has one by that name. Names
  that are also everyday words ("Rose", "Nice", "Reading", "Summer") count only when typed
  with a capital or after a word that leads to them ("with rose", "in nice"); folders
  and cameras only after "in"/"from" or written as on disk ("Holidays");
- when words name several kinds, the first of person, place, date, folder, camera wins
  (the chip lists the others: write in:Paris for the folder Paris);
- a leading "in", "at", "from", "with", "during", "on", "near", "taken" goes with the filter;
- a quoted phrase becomes a text match ("wifi password" must be written in the picture)
  when some picture shows it; otherwise it is words for CLIP like the rest;
- whatever is left is what CLIP ranks by ("Anna at the beach in Lisbon last summer":
  person Anna, place Lisbon, last summer, and "at the beach" for CLIP).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ..names import name_key
from .model import Chip, Filters
from .parse import ParsedQuery, Word
from .terms import LibraryTerms
from .when import find_dates

log = logging.getLogger(__name__)

LEADS = frozenset({"in", "at", "from", "with", "during", "on", "near", "taken", "by", "of", "and"})
PLACE_LEADS = frozenset({"in", "at", "from", "near", "around", "to", "of"})
PERSON_LEADS = frozenset({"with", "and", "by", "of", "&"})
FOLDER_LEADS = frozenset({"in", "from", "folder"})
# Names that are also everyday words: a chip only with a capital or after a leading word.
EVERYDAY = frozenset(
    "rose summer will grace may june april august bill mark sky lily river daisy joy hope dawn "
    "faith ivy jasmine violet olive pearl ruby amber autumn winter storm rain sunny holly "
    "nice bath reading mobile split orange buffalo phoenix victoria york china jersey "
    "normal home office work camera photos pictures images video videos beach park garden "
    "party wedding holiday holidays vacation trip travel family friends kids dogs cats".split()
)
MAX_WORDS = 5


@dataclass(frozen=True)
class QueryPlan:
    clip_text: str  # the words CLIP ranks by
    filters: Filters
    chips: tuple[Chip, ...]


@dataclass(frozen=True)
class _Match:
    start: int
    end: int  # exclusive
    kind: str
    label: str
    detail: str
    apply: Callable[[Filters], Filters]
    alternatives: tuple[str, ...] = ()


def plan_query(parsed: ParsedQuery, terms: LibraryTerms, *, today: date | None = None,
               keep: Sequence[str] = (), text_shown: Callable[[str], bool] | None = None) -> QueryPlan:
    """Read the words of `parsed` as filters where they name what the library has.

    `keep`: chip words the user removed (they stay words for CLIP). `text_shown(phrase)`
    says whether some picture shows a quoted phrase (None: never a text match)."""
    today = today or date.today()
    keep_keys = {name_key(k) for k in keep}
    words = list(parsed.words)
    filters = parsed.filters
    matches: list[_Match] = []
    taken = [False] * len(words)

    def claim(m: _Match) -> None:
        if name_key(" ".join(w.text for w in words[m.start:m.end])) in keep_keys:
            return
        matches.append(m)
        for i in range(m.start, m.end):
            taken[i] = True

    for i, w in enumerate(words):  # quoted phrases: text in the pictures
        if w.quoted and text_shown is not None and text_shown(w.text):
            claim(_Match(i, i + 1, "text", w.text, "written in the picture", _text_filter(w.text)))
    plain = [w.text if not w.quoted else "\x00" for w in words]
    if filters.after is None and filters.before is None and filters.yearly is None:
        for d in find_dates(plain, today)[:1]:  # one time per query; a second stays words
            if not any(taken[d.start:d.end]):
                claim(_Match(d.start, d.end, "date", d.span.label, d.span.detail, _date_filter(d.span)))
    for m in _name_matches(words, terms, taken):
        if not any(taken[m.start:m.end]):
            claim(m)

    matches.sort(key=lambda m: m.start)
    chips: list[Chip] = []
    lead_used = [False] * len(words)
    for m in matches:
        start = m.start
        if start > 0 and not taken[start - 1] and not words[start - 1].quoted and \
                name_key(words[start - 1].text) in LEADS:
            start -= 1
            lead_used[start] = True
        filters = m.apply(filters)
        chips.append(Chip(m.kind, m.label, m.detail, " ".join(w.text for w in words[start:m.end]), m.alternatives))
    clip = [w.text for i, w in enumerate(words) if not taken[i] and not lead_used[i]]
    clip_text = re.sub(r"\s+", " ", " ".join(clip)).strip(" ,;")
    filters = _merge_places(filters)
    return QueryPlan(clip_text, filters, tuple(chips))


def _name_matches(words: list[Word], terms: LibraryTerms, taken: list[bool]) -> list[_Match]:
    """Person, place, folder and camera names among the words, longest first."""
    out: list[_Match] = []
    used = list(taken)
    longest = min(MAX_WORDS, max(1, terms.longest))
    for n in range(longest, 0, -1):
        for i in range(0, len(words) - n + 1):
            span = words[i:i + n]
            if any(used[i:i + n]) or any(w.quoted for w in span):
                continue
            typed = " ".join(w.text.strip(",.;!?") for w in span)
            key = name_key(typed)
            lead = name_key(words[i - 1].text) if i > 0 else ""
            capital = typed[:1].isupper()
            everyday = key in EVERYDAY
            found: list[_Match] = []
            person = terms.people.get(key)
            if person and (not everyday or capital or lead in PERSON_LEADS):
                found.append(_Match(i, i + n, "person", person.name, f"person, {_count(person.photos)}",
                                    _person_filter(person.id)))
            place = terms.places.get(key)
            if place and (not everyday or capital or lead in PLACE_LEADS):
                found.append(_Match(i, i + n, "place", place.name, f"{place.level}, {_count(place.photos)}",
                                    _place_filter(place.place_ids)))
            folder = terms.folders.get(key)
            if folder and (lead in FOLDER_LEADS or (typed == folder and folder != folder.lower())):
                found.append(_Match(i, i + n, "folder", folder, "folder", _folder_filter(folder)))
            camera = terms.cameras.get(key)
            if camera and not everyday:
                found.append(_Match(i, i + n, "camera", camera, "camera", _camera_filter(camera)))
            if found:
                best = found[0]
                alts = tuple(f"{m.kind} {m.label}" for m in found[1:])
                out.append(replace(best, alternatives=alts))
                for j in range(i, i + n):
                    used[j] = True
    return out


def _count(n: int) -> str:
    return f"{n} picture{'s' if n != 1 else ''}"


def _text_filter(phrase: str) -> Callable[[Filters], Filters]:
    return lambda f: replace(f, text=(*f.text, phrase)) if phrase not in f.text else f


def _date_filter(span: object) -> Callable[[Filters], Filters]:
    return lambda f: replace(f, after=span.after, before=span.before, yearly=span.yearly)  # type: ignore[attr-defined]


def _person_filter(pid: int) -> Callable[[Filters], Filters]:
    return lambda f: replace(f, people=(*f.people, f"#{pid}")) if f"#{pid}" not in f.people else f


def _place_filter(ids: tuple[int, ...]) -> Callable[[Filters], Filters]:
    token = "#" + ",".join(str(i) for i in ids)
    return lambda f: replace(f, places=(*f.places, token)) if token not in f.places else f


def _folder_filter(name: str) -> Callable[[Filters], Filters]:
    return lambda f: replace(f, folder=f.folder or name)


def _camera_filter(name: str) -> Callable[[Filters], Filters]:
    return lambda f: replace(f, camera=f.camera or name)


def _merge_places(filters: Filters) -> Filters:
    """Places the planner found: one that holds another ("Lisbon, Portugal") gives way to
    the smaller; places apart ("Lisbon Porto") are either. Typed place: filters stay as typed."""
    resolved = [p for p in filters.places if p.startswith("#")]
    typed = [p for p in filters.places if not p.startswith("#")]
    if len(resolved) < 2:
        return filters
    sets = [frozenset(int(x) for x in p[1:].split(",") if x) for p in resolved]
    kept = [s for s in sets if not any(o < s for o in sets)]  # drop any that strictly holds another
    union = sorted(frozenset().union(*kept))
    return replace(filters, places=(*typed, "#" + ",".join(str(i) for i in union)))
