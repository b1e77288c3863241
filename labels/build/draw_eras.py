"""Draw the articles of 2015-2017 and 2024 to be read for the labelled set (issue 11).

Like ``draw.py`` this only *chooses which articles get read*; it never assigns a label.

* ``random:2015-2017``: 450 articles drawn uniformly from the 12,000 of 2015-2017;
* ``random:2024``: 240 drawn uniformly from the 411 of January-August 2024;
* ``rest:2024``: the other 171 of 2024, so that all of today's corpus is read;
* ``search:*``: candidates from 2015-2017 (outside the random sample) for what the 2011
  model gets wrong or never saw, found by words in the title: Kim Jong Un's activities,
  official and press statements, farms and farm houses, sport, history and anniversaries,
  building and production.  Many turn out not to carry the theme once read; they are
  labelled as what they are.

Run from the repository root: ``python labels/build/draw_eras.py ../shared/corpus OUTFILE``.
Deterministic (fixed seed).
"""

import json
import random
import re
import sys
from pathlib import Path

SEED = 2024
RANDOM_N = {"2015-2017": 450, "2024": 240}
TARGETS = {
    "kim-jong-un": (r"Kim Jong Un", 200),
    "statement": (r"statement|spokes(man|person)|memorandum|press release|answers? question", 100),
    "agriculture": (r"farm|crop|harvest|rice|maize|sowing|transplant|potato|livestock|fish|orchard|"
                    r"fruit|new houses|dwelling|flats|fertili[sz]er|stockbreed", 90),
    "sport": (r"match|champion|tournament|games\b|football|sports?\b|athlet|taekwon|marathon|wrestl|"
              r"weightlift|boxing|\bcup\b|medal|player", 70),
    "heritage": (r"museum|relic|tomb|historic|ancient|tradition|folk|pavilion|heritage|history|"
                 r"revolutionary site|battle|anti-japanese|anniversary|custom|dish|costume", 100),
    "construction": (r"construction|built|power station|factory|mine\b|innovation|production|railway|"
                     r"modernization|complex|street", 90),
}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def main(corpus_dir: str, outfile: str) -> None:
    rng = random.Random(SEED)
    chosen: dict[str, dict] = {}
    older = read(Path(corpus_dir) / "kcna-2015-2017.jsonl")
    today = read(Path(corpus_dir) / "kcna-2024-jan-aug.jsonl")
    for rec in rng.sample(older, RANDOM_N["2015-2017"]):
        chosen[rec["id"]] = {**rec, "sample": "random:2015-2017"}
    for rec in rng.sample(today, RANDOM_N["2024"]):
        chosen[rec["id"]] = {**rec, "sample": "random:2024"}
    for rec in today:
        chosen.setdefault(rec["id"], {**rec, "sample": "rest:2024"})
    for target, (pattern, n) in TARGETS.items():
        rx = re.compile(pattern, re.I)
        pool = [r for r in older if rx.search(r["title"]) and r["id"] not in chosen]
        for rec in rng.sample(pool, min(n, len(pool))):
            chosen[rec["id"]] = {**rec, "sample": f"search:{target}"}
    Path(outfile).parent.mkdir(parents=True, exist_ok=True)
    with open(outfile, "w", encoding="utf-8") as fh:
        for rec in chosen.values():
            row = {k: rec[k] for k in ("id", "date", "title", "sample")}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"drew {len(chosen)} articles into {outfile}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
