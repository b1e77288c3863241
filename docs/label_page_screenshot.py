"""Take the README's picture of the labelling page (docs/label-page.png) in Debian's Chromium.

    python docs/label_page_screenshot.py queue.jsonl [--out docs/label-page.png]

The page is served over QUEUE (what `kcna-themes suggest` wrote) with a throw-away
labelled file, exactly as `kcna-themes label` serves it.
"""

import argparse
import io
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from kcna_themes.labelling.server import LabellingServer
from kcna_themes.labelling.session import open_label_session


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("queue")
    ap.add_argument("--out", default="docs/label-page.png")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LabellingServer(open_label_session(args.queue, Path(tmp) / "labels.jsonl"), port=0).start()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1200, "height": 760})
                page.goto(server.url)
                page.wait_for_selector("body[data-ready=true]")
                png = page.screenshot()
                browser.close()
        finally:
            server.stop()
    # a 64-colour palette keeps the picture small in the repository
    Image.open(io.BytesIO(png)).quantize(64).save(args.out, optimize=True)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
