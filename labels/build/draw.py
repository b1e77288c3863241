"""Draw the articles to be read for the labelled set from the 2011 KCNA corpus.

This script only *chooses which articles get read*; it never assigns a label.
Two kinds of draw:

* a uniformly random sample (``sample: random:2011``), so theme shares in the
  labelled set can be checked against real output;
* targeted candidates for the themes that are rare in KCNA output
  (agriculture, sport, heritage, and some construction), found by searching
  titles for words of the theme's vocabulary.  Many of these turn out not to
  carry the theme once read; they are labelled as what they are.

Run from the repository root: ``python labels/build/draw.py CORPUS OUTDIR``.
It is deterministic (fixed seed).
"""

import json
import random
import re
import sys
from pathlib import Path

SEED = 2011
RANDOM_N = 450
TARGETS = {
    "agriculture": (
        r"farm|crop|rice|harvest|agricultur|sowing|transplant|fertili[sz]er|livestock|"
        r"fruit|orchard|cattle|goat|poultry|chicken|fish|irrigat|seed|potato|maize|wheat|barley",
        150,
    ),
    "sport": (
        r"sport|football|soccer|match|championship|games\b|athlet|player|tournament|\bcup\b|"
        r"marathon|table tennis|boxing|wrestl|weightlift|judo|taekwon|gymnast|skat|hockey|"
        r"volleyball|basketball|olympi|medal|race",
        130,
    ),
    "heritage": (
        r"relic|tomb|heritage|tradition|museum|histor|ancient|folk|custom|pavilion|koguryo|"
        r"koryo|kogur|paekje|silla|korean language|dish|food|costume|dress|fortress|temple|"
        r"mural|martyr|anniversary|war veteran|battle|anti-japanese|national holiday",
        150,
    ),
    "construction": (
        r"build|construct|power station|factory|plant|mine|production|house|street|railway|"
        r"bridge|dam|innovation|modernization|complex",
        60,
    ),
}


def main(corpus: str, outdir: str) -> None:
    records = [json.loads(line) for line in open(corpus, encoding="utf-8")]
    rng = random.Random(SEED)
    chosen: dict[str, dict] = {}
    for rec in rng.sample(records, RANDOM_N):
        chosen[rec["id"]] = {"rec": rec, "sample": "random:2011"}
    for theme, (pattern, n) in TARGETS.items():
        rx = re.compile(pattern, re.I)
        pool = [r for r in records if rx.search(r["title"]) and r["id"] not in chosen]
        for rec in rng.sample(pool, min(n, len(pool))):
            chosen[rec["id"]] = {"rec": rec, "sample": f"search:{theme}"}
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "drawn.jsonl", "w", encoding="utf-8") as fh:
        for item in chosen.values():
            rec = item["rec"]
            fh.write(json.dumps({**rec, "sample": item["sample"]}, ensure_ascii=False) + "\n")
    print(f"drew {len(chosen)} articles into {out / 'drawn.jsonl'}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
