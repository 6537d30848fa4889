"""What a search asks for and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from PIL import Image

from .rank import Suggestion

ImageSource = Path | str | Image.Image


@dataclass(frozen=True)
class Filters:
    """Restrictions applied with SQLite before (or while) ranking."""

    folder: str | None = None  # a path prefix or a folder name ("in:Holidays")
    after: float | None = None  # taken_at >= (epoch seconds)
    before: float | None = None  # taken_at < (epoch seconds)
    media_type: str | None = None  # "image" | "video"
    camera: str | None = None  # substring of make or model
    people: tuple[str, ...] = ()  # names or "#12": every one of them is in the picture
    text: tuple[str, ...] = ()  # text:"wifi password": pictures whose text holds every phrase
    places: tuple[str, ...] = ()  # place:Lisbon: names, resolved by the query to "#id,id" sets
    yearly: tuple[str, str] | None = None  # ("03-01", "04-01"): month-days of any year (to excl.; wraps)

    @property
    def active(self) -> bool:
        return bool(self.people) or bool(self.text) or bool(self.places) or any(
            v is not None for v in (self.folder, self.after, self.before, self.media_type, self.camera, self.yearly))


@dataclass(frozen=True)
class Chip:
    """One thing the planner understood in the query."""

    kind: str  # "person" | "place" | "date" | "folder" | "camera" | "text"
    label: str  # what it is ("Anna", "Lisbon", "summer 2019", "wifi password")
    detail: str  # what it matched ("person, 42 pictures", "city, 30 pictures", "1 Jun 2019 - 31 Aug 2019")
    words: str  # the query's words it stands for ("in Lisbon")
    alternatives: tuple[str, ...] = ()  # what else the words could have meant ("folder Paris")

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "label": self.label, "detail": self.detail, "words": self.words,
                "alternatives": list(self.alternatives)}


@dataclass(frozen=True)
class SearchQuery:
    """Any combination of words, an example image, an indexed item and a sketch.

    Weights are relative; each part's vector is L2-normalised before fusion.
    """

    text: str = ""
    image: ImageSource | None = None
    like_items: tuple[int, ...] = ()  # "more like this": indexed item ids
    unlike_items: tuple[int, ...] = ()  # "less like this"
    sketch: ImageSource | None = None
    negatives: tuple[str, ...] = ()
    filters: Filters = field(default_factory=Filters)
    text_weight: float = 1.0
    image_weight: float = 1.0
    sketch_weight: float = 0.6
    negative_weight: float = 0.5
    limit: int = 50
    hubness: bool | None = None  # None: the measured default (query/search.py)
    diversity: float = 0.0  # 0 = plain ranking; ~0.3 spreads the first screen
    collapse_duplicates: bool = True  # near-identical pictures become one result
    suggest: bool = False  # compute "maybe you are looking for" refinements
    # image-only queries: blend in the text of the nearest vocabulary terms ("cross the
    # modality gap"); None = the measured default (query/search.py)
    text_blend: float | None = None
    plan: bool = True  # read names, places and dates in the words as filters (core/query/planner.py)
    keep_words: tuple[str, ...] = ()  # chips the user removed: these words stay words for CLIP
    today: date | None = None  # what "yesterday" and "last summer" count from (None: today)

    @property
    def is_empty(self) -> bool:
        return not (self.text.strip() or self.image is not None or self.like_items or self.sketch is not None)


@dataclass(frozen=True)
class SearchHit:
    """One result: an indexed picture (its duplicates listed), its score and metadata."""

    path: str
    score: float
    item_id: int
    file_id: int
    weak: bool = False
    duplicates: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None
    taken_at: float | None = None
    camera: str | None = None
    media_type: str | None = None
    near_duplicates: tuple[str, ...] = ()  # bursts, edited copies: collapsed into this hit
    frame_ms: int | None = None  # videos: the moment that matched best (ms from the start)
    duration_s: float | None = None  # videos
    moments: tuple[int, ...] = ()  # videos: the frame_ms of every sampled frame
    people: tuple[str, ...] = ()  # who is in it (named people, and "Person 12" for the others)
    place: str | None = None  # where it was taken ("Lisbon, Portugal"), from its GPS position
    position: tuple[float, float] | None = None  # (lat, lon)
    text: str | None = None  # the text read in the picture (its lines), None when it shows none
    text_matches: tuple[str, ...] = ()  # the picture's words the query matched (case and accents folded)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path, "score": round(float(self.score), 6), "weak": self.weak,
            "item_id": self.item_id, "file_id": self.file_id, "duplicates": list(self.duplicates),
            "width": self.width, "height": self.height, "taken_at": self.taken_at,
            "camera": self.camera, "media_type": self.media_type, "near_duplicates": list(self.near_duplicates),
            "frame_ms": self.frame_ms, "duration_s": self.duration_s, "moments": list(self.moments),
            "people": list(self.people), "place": self.place,
            "position": list(self.position) if self.position else None,
            "text": self.text, "text_matches": list(self.text_matches),
        }


@dataclass(frozen=True)
class SearchResults:
    hits: tuple[SearchHit, ...]
    query: SearchQuery
    searched: int  # how many items were candidates
    elapsed_ms: float
    no_good_match: bool = False
    suggestions: tuple[Suggestion, ...] = ()
    chips: tuple[Chip, ...] = ()  # what the planner read in the words (people, places, dates, ...)
    clip_text: str = ""  # the words left for CLIP to rank by
    # (median, robust sd) of this query's scores over a sample of the library: what a score
    # means for this model (core/query/merge.py puts two models' results on one scale)
    calibration: tuple[float, float] | None = None
    ranked: bool = True  # False: a listing by date (filters only), no model involved

    @property
    def strong(self) -> tuple[SearchHit, ...]:
        return tuple(h for h in self.hits if not h.weak)
