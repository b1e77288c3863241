"""The economic-front draw: more candidates for construction's economic front.

A model trained on the earlier draws (random sample, title search, nearest
neighbours) missed mass movements and production drives
(the codebook's "mass movements for socialist construction"). Two sources of
candidates, neither deciding any label:

* titles with words of production drives and mass movements (``search:economic``);
* articles the round-2 model was unsure about for construction, scores between
  0.15 and 0.6 (``uncertain:construction``), from a tagging of the whole corpus.

    python labels/build/draw_round3.py CORPUS TAGGED.jsonl OUT.jsonl
"""

import json
import random
import re
import sys

from merge import read_labels

SEED = 2013
PATTERN = (r"movement|campaign|drive\b|chollima|innovat|self-relian|speed|emulation|upsurge|increased production|"
           r"economic|production|labou?r feat|socialist construction|technical|modern")


def main(corpus: str, tagged: str, out: str) -> None:
    records = {r["id"]: r for r in map(json.loads, open(corpus, encoding="utf-8"))}
    scores = {r["id"]: r["scores"] for r in map(json.loads, open(tagged, encoding="utf-8"))}
    taken = set(read_labels())
    rng = random.Random(SEED)
    rx = re.compile(PATTERN, re.I)
    search = sorted(i for i, r in records.items() if i not in taken and rx.search(r["title"]))
    chosen = [(i, "search:economic") for i in rng.sample(search, 120)]
    taken |= {i for i, _ in chosen}
    unsure = sorted(i for i, s in scores.items() if i not in taken and 0.15 <= s["construction"] <= 0.6)
    chosen += [(i, "uncertain:construction") for i in rng.sample(unsure, 80)]
    with open(out, "w", encoding="utf-8") as fh:
        for i, sample in chosen:
            fh.write(json.dumps({**records[i], "sample": sample}, ensure_ascii=False) + "\n")
    print(f"drew {len(chosen)} articles into {out}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
