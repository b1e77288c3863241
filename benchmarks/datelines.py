"""Does a model give an article other themes when its KCNA dateline is dropped?

KCNA prints "Pyongyang, January 21 (KCNA) -- " before almost every article of 2015-2017
and 2024; Naenara, Rodong Sinmun and the 2011 corpus print none. For every article of
the later corpora that has one, this scores the article as it is and without the
dateline (``captures.without_dateline``), as another outlet would print it, and counts
the articles whose themes differ. The scores are taken before the rulings (``rulings=False``):
ruling 6 reads the dateline on purpose, and an article that names the DPRK only there is
world news once it is gone.

    python benchmarks/datelines.py                      # the shipped model
    python benchmarks/datelines.py --model OTHER_FOLDER
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from kcna_themes.api import load_model
from kcna_themes.captures import classifier_text, without_dateline

CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", help="model folder (default: the shipped one)")
    args = ap.parse_args()
    model = load_model(args.model).model
    thresholds = model.classifier.thresholds_
    print(f"model {model.model_id} (read_dateline={model.classifier.read_dateline})")
    for name in ("kcna-2015-2017.jsonl", "kcna-2024-jan-aug.jsonl"):
        with open(CORPORA / name, encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh]
        texts = [classifier_text(r["text"], r["title"]) for r in records]
        pairs = [(t, without_dateline(t)) for t in texts if without_dateline(t) != t]
        kept = model.score([a for a, _ in pairs], rulings=False)
        dropped = model.score([b for _, b in pairs], rulings=False)
        differ = ((kept >= thresholds) != (dropped >= thresholds)).any(axis=1)
        largest = np.abs(kept - dropped).max(axis=1)
        print(f"{name}: {len(pairs)} of {len(texts)} articles have a dateline; without it, {int(differ.sum())} "
              f"({differ.mean():.1%}) get other themes; an article's largest score change: median "
              f"{np.median(largest):.3f}, max {largest.max():.3f}")


if __name__ == "__main__":
    main()
