"""Take docs/report.png, the README's picture of the HTML report.

    kcna-themes tag ../shared/corpus/<one year>.jsonl -o /tmp/tagged.jsonl
    kcna-themes report /tmp/tagged.jsonl --adjust -o /tmp/report.html
    python docs/report_screenshot.py /tmp/report.html 2016-06 leader

Opens the page in Debian's Chromium with the network blocked, clicks the
table cell of PERIOD and THEME so its articles show, and saves the first
screenful beside this script.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(page_path: str, period: str, theme: str) -> None:
    target = Path(__file__).resolve().parent / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1100, "height": 1000})
        tab.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
        tab.goto(Path(page_path).resolve().as_uri())
        tab.wait_for_selector("body[data-chart=ready]", timeout=60_000)
        tab.click(f"td.cell[data-period='{period}'][data-theme='{theme}']")
        tab.evaluate("document.querySelector('.table-wrap').style.maxHeight = '12rem'")
        tab.screenshot(path=str(target), full_page=False)
        browser.close()
    from PIL import Image  # a 128-colour palette keeps the picture small in the repository

    Image.open(target).convert("RGB").quantize(colors=128).save(target, optimize=True)
    print(f"{target}: {target.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(*sys.argv[1:4])
