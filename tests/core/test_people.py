"""People: real faces (tests/fixtures/faces) found, grouped, named, corrected and searched."""

from __future__ import annotations

from pathlib import Path

import pytest

from photolens.core.errors import PhotolensError, QueryError
from photolens.core.faces.people import People
from photolens.core.library import Library
from tests.faces_photos import item_of, make_people_folder

pytest.importorskip("dlib")


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path):  # noqa: ANN201
    """A library over the people folder, indexed once (faces included) for the module."""
    root = tmp_path_factory.mktemp("people")
    who = make_people_folder(root / "photos")
    lib = Library.open(root / "data", model_path=tiny_model_dir, models_dir=root / "models")
    lib.apply_settings(lib.settings.with_changes(collapse_duplicates=False, faces=True))
    lib.add_folder(root / "photos")
    lib.index()
    yield lib, who
    lib.close()


def _person_of(people: People, lib: Library, path: Path) -> set[int | None]:
    item = item_of(lib, path)
    return {f.person_id for f in people.faces_in_item(item)}



def _paths(results) -> set[str]:  # noqa: ANN001
    return {Path(h.path).name for h in results.hits}


def test_one_persons_photos_form_one_person_apart_from_the_others(indexed) -> None:  # noqa: ANN001
    lib, who = indexed
    people = lib.people
    obama = set.union(*(_person_of(people, lib, p) for p in who["obama"]))
    biden = set.union(*(_person_of(people, lib, p) for p in who["biden"]))
    assert len(obama) == 1 and None not in obama
    assert len(biden) == 1 and None not in biden
    assert obama != biden
    both = _person_of(people, lib, who["both"][0])
    assert both == obama | biden  # the picture of the two has both
    assert _person_of(people, lib, who["none"][0]) == set()  # no face, no person
    # one stranger (the astronaut, once) is a face but not yet a person
    assert _person_of(people, lib, who["astronaut"][0]) == {None}
    listed = {p.id: p for p in people.everyone()}
    assert set(listed) == obama | biden
    assert listed[next(iter(obama))].photos == 7 and listed[next(iter(biden))].photos == 6


def test_person_filter_returns_exactly_their_photos_by_name_any_case(indexed) -> None:  # noqa: ANN001
    lib, who = indexed
    people = lib.people
    obama = next(iter(_person_of(people, lib, who["obama"][0])))
    biden = next(iter(_person_of(people, lib, who["biden"][0])))
    people.rename(obama, "Barack Obama")
    people.rename(biden, "Joe")
    expected = {p.name for p in who["obama"] + who["both"]}
    assert _paths(lib.search('person:"barack obama"')) == expected
    assert _paths(lib.search(f"person:#{obama}")) == expected
    # several people: all of them in the picture
    assert _paths(lib.search('person:JOE person:"Barack Obama"')) == {"together.jpg"}
    # with words: the person filters, the words rank
    ranked = lib.search("a man in a suit person:joe")
    assert _paths(ranked) == {p.name for p in who["biden"] + who["both"]}
    hit = next(h for h in ranked.hits if h.path.endswith("together.jpg"))
    assert set(hit.people) == {"Barack Obama", "Joe"}
    assert hit.to_json()["people"] == list(hit.people)
    with pytest.raises(QueryError, match="Nobody is named 'Anna'"):
        lib.search("person:Anna")
    with pytest.raises(PhotolensError, match="another person"):
        people.rename(biden, "barack OBAMA")


def test_corrections_survive_regrouping_and_new_photos(indexed, tmp_path: Path) -> None:  # noqa: ANN001
    lib, who = indexed
    people = lib.people
    obama = next(iter(_person_of(people, lib, who["obama"][0])))
    people.rename(obama, "Obama")
    # "not this person" on one of Obama's faces: it leaves him and stays out
    wrong = people.faces_in_item(item_of(lib, who["obama"][1]))[0]
    people.reject(wrong.id)
    assert people.face(wrong.id).person_id is None
    # the astronaut, named from her one face
    astro = people.faces_in_item(item_of(lib, who["astronaut"][0]))[0]
    collins = people.assign(astro.id, "Eileen Collins")
    people.regroup()
    assert people.resolve("obama") == obama
    assert people.face(wrong.id).person_id is None
    assert people.face(astro.id).person_id == collins.id
    assert _paths(lib.search("person:obama")) == {p.name for p in who["obama"][:1] + who["obama"][2:] + who["both"]}
    # a new photo of Obama joins the named person (incremental, no regrouping)
    extra = who["obama"][0].parent / "obama_again.png"
    from tests.faces_photos import photo
    photo("obama3.jpg").resize((700, 1138)).save(extra)
    lib.index()
    assert _person_of(people, lib, extra) == {obama}
    people.assign(wrong.id, "Obama")  # the user changes their mind: pinned to him again
    assert people.face(wrong.id).person_id == obama


def test_merge_split_hide_and_deleting_a_photo(indexed) -> None:  # noqa: ANN001
    lib, who = indexed
    people = lib.people
    biden = next(iter(_person_of(people, lib, who["biden"][0])))
    faces = people.faces_of(biden)
    split = people.split([faces[0].id, faces[1].id])
    assert {f.id for f in people.faces_of(split.id)} == {faces[0].id, faces[1].id}
    merged = people.merge(biden, split.id)
    assert merged.faces == len(faces)
    with pytest.raises(QueryError):
        people.resolve(split.id)
    people.hide(biden)
    assert biden not in {p.id for p in people.everyone()}
    assert biden in {p.id for p in people.everyone(include_hidden=True)}
    hit = next(h for h in lib.search(f"person:#{biden}").hits)
    assert all(not name.startswith("Person") or name != f"Person {biden}" for name in hit.people)
    people.hide(biden, False)
    # a deleted photo takes its faces along
    gone = who["biden"][1]
    item = item_of(lib, gone)
    gone.unlink()
    lib.index()
    assert people.faces_in_item(item) == []
    assert people.get(biden).photos == 5


def test_people_cli_lists_names_and_merges(indexed, capsys) -> None:  # noqa: ANN001
    import json

    from photolens.core.cli import main

    lib, who = indexed
    data = ["--data-dir", str(lib.data_dir)]
    model = ["--model-path", str(lib.model_path)]
    lib.close()  # the CLI opens the library itself (one writer at a time); the fixture's close is harmless
    assert main([*data, "people", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and all(p["faces"] >= 1 and p["samples"] for p in listed)
    pid = listed[-1]["id"]
    assert main([*data, "people", "name", str(pid), "Zoë"]) == 0
    assert "is now Zoë" in capsys.readouterr().out
    assert main([*data, "search", "person:zoe", "--json", *model]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert hits and all("Zoë" in h["people"] for h in hits)
    assert main([*data, "search", "person:nobody", *model]) == 2
    assert "Nobody is named 'nobody'" in capsys.readouterr().err
    if len(listed) > 1:
        other = listed[0]["id"]
        assert main([*data, "people", "merge", "zoe", str(other)]) == 0
        assert "Zoë" in capsys.readouterr().out
        assert main([*data, "people", "list", "--json"]) == 0
        after = json.loads(capsys.readouterr().out)
        assert len(after) == len(listed) - 1
