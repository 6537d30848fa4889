#!/usr/bin/env bash
# Smoke-test a Photolens executable (built app or console script): GUI starts offscreen and
# quits, CLI indexes a small generated folder with the oracle model and finds a red circle.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
APP="${1:?usage: smoke_test.sh PATH_TO_photolens}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MODEL="$ROOT/tests/fixtures/models/oracle"
PYTHON="${PYTHON:-python3}"  # any Python with Pillow, to draw the test pictures

"$PYTHON" - "$WORK/pics" <<'PY'
import sys
from pathlib import Path
from PIL import Image, ImageDraw
out = Path(sys.argv[1]); out.mkdir(parents=True)
for name, colour, shape in [("red-circle", (215, 35, 35), "circle"), ("blue-square", (35, 75, 210), "square"),
                            ("green-circle", (40, 160, 60), "circle"), ("yellow-square", (240, 210, 40), "square")]:
    im = Image.new("RGB", (128, 128), (242, 242, 238)); d = ImageDraw.Draw(im)
    (d.ellipse if shape == "circle" else d.rectangle)((34, 34, 94, 94), fill=colour)
    im.save(out / f"{name}.png")
from PIL import ImageFont  # text in pictures: a sign the bundled OCR models must read
im = Image.new("RGB", (360, 120), (250, 250, 245)); d = ImageDraw.Draw(im)
d.text((20, 30), "PARKING EXIT", font=ImageFont.load_default(size=40), fill=(20, 20, 20))
im.save(out / "sign.jpg", quality=92)
try:  # a video whose second half shows the red circle (PyAV is a runtime dependency)
    import av
except ImportError:
    sys.exit(0)
with av.open(str(out / "clip.mp4"), mode="w") as f:
    s = f.add_stream("libx264", rate=10); s.width = s.height = 128; s.pix_fmt = "yuv420p"
    for colour in [(40, 160, 60), (215, 35, 35)]:
        im = Image.new("RGB", (128, 128), (242, 242, 238)); ImageDraw.Draw(im).ellipse((34, 34, 94, 94), fill=colour)
        for _ in range(30):
            f.mux(s.encode(av.VideoFrame.from_image(im)))
    f.mux(s.encode(None))
PY

QT_QPA_PLATFORM=offscreen "$APP" --data-dir "$WORK/data" --quit-after 3
"$APP" --version
"$APP" --data-dir "$WORK/data" index "$WORK/pics" --model-path "$MODEL"
TOP="$("$APP" --data-dir "$WORK/data" search "a red circle type:image" --limit 1 --json)"
echo "top result: $TOP"
case "$TOP" in
  *red-circle.png*) echo "smoke test passed" ;;
  *) echo "smoke test FAILED: the red circle was not first" >&2; exit 1 ;;
esac
SIGN="$("$APP" --data-dir "$WORK/data" search 'text:"parking exit"' --json)"
echo "text in pictures: $SIGN"
case "$SIGN" in
  *sign.jpg*'"text_matches": ["exit", "parking"]'*) echo "OCR smoke test passed" ;;
  *) echo "smoke test FAILED: the text in sign.jpg was not found (rapidocr's bundled models packaged?)" >&2; exit 1 ;;
esac
if [ -f "$WORK/pics/clip.mp4" ]; then
  CLIP="$("$APP" --data-dir "$WORK/data" search "a red circle type:video" --limit 1 --json)"
  echo "top video: $CLIP"
  case "$CLIP" in
    *clip.mp4*'"frame_ms": 4000'*) echo "video smoke test passed" ;;
    *) echo "smoke test FAILED: the clip was not found at its red-circle moment" >&2; exit 1 ;;
  esac
fi
