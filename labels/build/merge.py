"""Build the labelled files in labels/ from the readings.

Inputs (all in this repository, except the corpus text):
* ``labels/readings/first_*.jsonl``: the first reading of every drawn article
  (id, themes, the annotator's note);
* ``labels/readings/second_*.jsonl``: an independent second reading of a subset,
  made without seeing the first, used for the agreement figures;
* ``labels/build/adjudication.jsonl``: the label settled by the codebook where the
  two readings disagreed, consistency fixes under the added rulings, re-readings
  under rulings 11-13, and the review of the labels cleanlab flagged; a later
  line for the same id overrides an earlier one;
* ``labels/build/drawn.jsonl`` (2011), ``labels/build/drawn-eras.jsonl`` (2015-2017
  and 2024), ``labels/build/drawn-eras-2.jsonl`` (the second 2015-2017 round) and
  ``labels/build/drawn-round4.jsonl`` (round 4: 2011 and 2015-2017),
  ``drawn-round5.jsonl`` (round 5: culture), ``drawn-round6.jsonl`` (round 6: the
  DPRK's own disasters), ``drawn-round7.jsonl`` (round 7: stamps, museums and other
  heritage genres, read but not merged), ``drawn-round8.jsonl`` (round 8: history,
  memorials and anniversaries in South Korea and Japan, read but not merged) and
  ``drawn-round9.jsonl`` (round 9: a uniform draw of 2015-2017, read but not merged): which
  articles were drawn, and how.

Run from the repository root: ``python labels/build/merge.py ../shared/corpus``.
``--with drawn-round4.jsonl`` (or ``drawn-round7.jsonl``, ``drawn-round8.jsonl``,
``drawn-round9.jsonl``) adds a draw that is read but not merged (rounds 4, 8 and 9 lowered
held-out macro-F1, round 7 moved it nowhere; labels/README.md), to measure it again.
Every labelled file holds the article's whole text, as users feed it to the tagger;
readers were shown the first 3,000 (2011) or 5,000 (later eras) characters.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE.parent
THEMES = ("leader", "construction", "agriculture", "sport", "heritage", "diplomacy")
OUTPUTS = {  # labelled file -> (draw files, corpus files)
    "kcna-2011.jsonl": (("drawn.jsonl", "drawn-round5.jsonl", "drawn-round6.jsonl"), ("kcna-2011.jsonl",)),
    "kcna-2015-2017.jsonl": (("drawn-eras.jsonl", "drawn-eras-2.jsonl", "drawn-round5.jsonl", "drawn-round6.jsonl"),
                             ("kcna-2015-2017.jsonl",)),
    "kcna-2024.jsonl": (("drawn-eras.jsonl",), ("kcna-2024-jan-aug.jsonl",)),
}


def read_jsonl(path: Path) -> list[dict]:
    """Every line's object; a line that is not JSON stops the script with its file and line."""
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}, line {n}: not JSON ({exc.msg})") from None
    return rows


def corpus_by_id(corpus_dir: Path, names: tuple[str, ...] = ()) -> dict[str, dict]:
    """id -> article of the corpus files ``names`` in ``corpus_dir`` (every ``*.jsonl`` there
    when none are named)."""
    paths = [Path(corpus_dir) / n for n in names] or sorted(Path(corpus_dir).glob("*.jsonl"))
    return {r["id"]: r for path in paths for r in read_jsonl(path)}


def labelled_row(article: dict, themes: list[str], sample: str, second_reading: bool) -> dict:
    """A line of a labelled file: the corpus article with its read themes (codebook order),
    how it was drawn, and whether it was read twice."""
    return {"id": article["id"], "date": article["date"], "source": article["source"], "title": article["title"],
            "text": article["text"], "themes": [t for t in THEMES if t in themes], "sample": sample,
            "second_reading": second_reading}


def read_labels(which: str = "first") -> dict[str, list[str]]:
    """id -> themes from the readings (first by default), with adjudications applied for 'first'."""
    labels: dict[str, list[str]] = {}
    for path in sorted((LABELS / "readings").glob(f"{which}_*.jsonl")):
        for row in read_jsonl(path):
            if row["id"] in labels:
                raise SystemExit(f"{path}: id {row['id']} read twice")
            labels[row["id"]] = list(row["themes"])
    if which == "first":
        for row in read_jsonl(HERE / "adjudication.jsonl"):
            labels[row["id"]] = list(row["themes"])
    return labels


def main(corpus_dir: str, extra_draws: tuple[str, ...] = ()) -> None:
    labels = read_labels()
    second = read_labels("second")
    for name, (draw_files, corpus_files) in OUTPUTS.items():
        if name != "kcna-2024.jsonl":
            draw_files = draw_files + extra_draws
        records = corpus_by_id(Path(corpus_dir), corpus_files)
        out = []
        for d in (d for f in draw_files for d in read_jsonl(HERE / f)):
            if d["id"] not in records:
                continue  # drawn from the other corpus of this draw file
            if d["id"] not in labels:
                raise SystemExit(f"drawn article {d['id']} has no reading")
            themes = labels[d["id"]]
            assert all(t in THEMES for t in themes), (d["id"], themes)
            out.append(labelled_row(records[d["id"]], themes, d["sample"], d["id"] in second))
        with open(LABELS / name, "w", encoding="utf-8") as fh:
            for row in out:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(out)} labelled articles to {LABELS / name}")


if __name__ == "__main__":
    main(sys.argv[1], tuple(sys.argv[3::2]) if sys.argv[2:3] == ["--with"] else ())
