"""Round 2 of the draw: nearest neighbours of articles already read as a theme.

For themes that the first round found too few of, rank the unread corpus by the
highest cosine similarity to any article labelled with the theme, and take the
top candidates. This only chooses what gets read; every candidate is then read
and labelled as what it is (many turn out to be polemic or world news).

    python labels/build/draw_neighbours.py CORPUS DRAWN.jsonl OUT.jsonl \
        --embeddings corpus.npy --ids corpus_ids.json

The embeddings are the bundled all-MiniLM-L6-v2 (PyTorch, first 256 tokens) of
title + text for every corpus article, in corpus order.
"""

import argparse
import json

import numpy as np

from merge import read_labels  # labels/build/merge.py

ROUND2 = {"heritage": 150, "construction": 150, "agriculture": 60}
# heritage neighbours drift towards leader anniversaries; a second pass seeds only
# from articles read as heritage and not leader (relics, customs, history as history)
PURE = {"heritage": ("leader", 90)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--embeddings", required=True)
    ap.add_argument("--ids", required=True)
    args = ap.parse_args()
    records = {json.loads(l)["id"]: json.loads(l) for l in open(args.corpus, encoding="utf-8")}
    ids = json.load(open(args.ids))
    E = np.load(args.embeddings)
    labelled = read_labels()
    index = {i: k for k, i in enumerate(ids)}
    taken = set(labelled)
    chosen = []
    for theme, n in ROUND2.items():
        positives = [index[i] for i, themes in labelled.items() if theme in themes]
        sim = (E @ E[positives].T).max(axis=1)
        for k in np.argsort(-sim):
            if len([c for c in chosen if c["sample"] == f"neighbours:{theme}"]) >= n:
                break
            if ids[k] in taken:
                continue
            taken.add(ids[k])
            chosen.append({**records[ids[k]], "sample": f"neighbours:{theme}"})
    for theme, (other, n) in PURE.items():
        positives = [index[i] for i, themes in labelled.items() if theme in themes and other not in themes]
        sim = (E @ E[positives].T).max(axis=1)
        picked = 0
        for k in np.argsort(-sim):
            if picked >= n:
                break
            if ids[k] in taken:
                continue
            taken.add(ids[k])
            picked += 1
            chosen.append({**records[ids[k]], "sample": f"neighbours:{theme}-not-{other}"})
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in chosen:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"drew {len(chosen)} neighbours into {args.out}")


if __name__ == "__main__":
    main()
