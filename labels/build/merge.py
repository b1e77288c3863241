"""Build labels/kcna-2011.jsonl from the readings.

Inputs (all in this repository, except the corpus text):
* ``labels/readings/first_*.jsonl``: the first reading of every drawn article
  (id, themes, the annotator's note);
* ``labels/readings/second_*.jsonl``: an independent second reading of a subset,
  made without seeing the first, used for the agreement figures;
* ``labels/build/adjudication.jsonl``: the label settled by the codebook where the
  two readings disagreed, and consistency fixes under the added rulings.
* ``labels/build/drawn.jsonl``: which articles were drawn, and how (random
  sample, title search, nearest neighbours).

Run from the repository root: ``python labels/build/merge.py ../shared/corpus/kcna-2011.jsonl``.
"""

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE.parent
THEMES = ("leader", "construction", "agriculture", "sport", "heritage", "diplomacy")
TEXT_LIMIT = 3000  # what annotators were shown; longer articles are cut at a word boundary


def cut(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT].rsplit(" ", 1)[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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


def main(corpus: str) -> None:
    records = {r["id"]: r for r in map(json.loads, open(corpus, encoding="utf-8"))}
    drawn = read_jsonl(HERE / "drawn.jsonl")
    labels = read_labels()
    second = read_labels("second")
    out = []
    for d in drawn:
        if d["id"] not in labels:
            raise SystemExit(f"drawn article {d['id']} has no reading")
        themes = labels[d["id"]]
        assert all(t in THEMES for t in themes), (d["id"], themes)
        r = records[d["id"]]
        out.append({"id": r["id"], "date": r["date"], "source": r["source"], "title": r["title"],
                    "text": cut(r["text"]), "themes": [t for t in THEMES if t in themes],
                    "sample": d["sample"], "second_reading": d["id"] in second})
    with open(LABELS / "kcna-2011.jsonl", "w", encoding="utf-8") as fh:
        for row in out:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(out)} labelled articles to {LABELS / 'kcna-2011.jsonl'}")


if __name__ == "__main__":
    main(sys.argv[1])
