"""The face test photos (tests/fixtures/faces, see PROVENANCE.md) and copies made from them."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

FACES = Path(__file__).parent / "fixtures" / "faces"
OBAMA = ["obama.jpg", "obama2.jpg", "obama3.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg"]
NO_FACE = ["coffee.jpg", "chelsea.jpg"]


def photo(name: str) -> Image.Image:
    with Image.open(FACES / name) as im:
        return im.convert("RGB")


def save_rotated_with_exif(image: Image.Image, path: Path) -> None:
    """Pixels stored sideways with EXIF orientation 6 (as phones save): upright when read."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW to display
    image.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif, quality=90)


def make_people_folder(root: Path) -> dict[str, list[Path]]:
    """Obama in 6 pictures, Biden in 5 (copies: mirrored, cropped, resized, EXIF-rotated),
    both in one, the astronaut once, two without a face. Returns who is in which files."""
    root.mkdir(parents=True, exist_ok=True)
    who: dict[str, list[Path]] = {"obama": [], "biden": [], "astronaut": [], "none": [], "both": []}
    for name in OBAMA:
        (root / name).write_bytes((FACES / name).read_bytes())
        who["obama"].append(root / name)
    ImageOps.mirror(photo("obama2.jpg")).save(root / "obama2_mirror.jpg", quality=90)
    who["obama"].append(root / "obama2_mirror.jpg")
    biden = photo("biden.jpg")
    (root / "biden.jpg").write_bytes((FACES / "biden.jpg").read_bytes())
    ImageOps.mirror(biden).save(root / "biden_mirror.jpg", quality=90)
    w, h = biden.size
    biden.crop((0, 0, w, h * 2 // 3)).save(root / "biden_crop.png")
    biden.resize((w * 3 // 4, h * 3 // 4)).save(root / "biden_small.jpg", quality=90)
    save_rotated_with_exif(biden, root / "biden_rotated.jpg")
    who["biden"] += [root / n for n in ("biden.jpg", "biden_mirror.jpg", "biden_crop.png", "biden_small.jpg",
                                        "biden_rotated.jpg")]
    both = Image.new("RGB", (1600, 800), (90, 90, 90))
    both.paste(photo("obama.jpg").resize((640, 800)), (0, 0))
    both.paste(biden.resize((352, 800)), (1000, 0))
    both.save(root / "together.jpg", quality=90)
    who["both"].append(root / "together.jpg")
    (root / "astronaut.jpg").write_bytes((FACES / "astronaut.jpg").read_bytes())
    who["astronaut"].append(root / "astronaut.jpg")
    for name in NO_FACE:
        (root / name).write_bytes((FACES / name).read_bytes())
        who["none"].append(root / name)
    return who


def item_of(lib, path: Path) -> int:  # noqa: ANN001 - a Library
    """The catalog item of a picture file."""
    row = lib.catalog.conn.execute(
        "SELECT i.id FROM items i JOIN files f ON f.hash = i.hash WHERE f.path = ?", (str(path.resolve()),)).fetchone()
    return int(row[0])
