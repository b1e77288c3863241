"""How much of 2011's held-out score is world news that the later eras do not carry.

A quarter of the 2011 corpus never mentions the DPRK (world news: foreign ministers' talks,
foreign ports and factories, world food prices), against almost none of 2015-2017's and
2024's (the first lines of the output count them, in ../shared/corpus). It is all none
(ruling 6), and a model that has only seen the later eras has no such none to learn from.
This trains the shipped recipe on 2015-2017 + 2024 (four random states, as
benchmarks/eras.py does), scores 2011's random sample, and reports macro-F1 with and
without the articles that name neither the DPRK, Korea, Pyongyang, a leader, Juche nor
the WPK or KPA, and how many of those it tags.

    python benchmarks/world_news.py labels/*.jsonl > benchmarks/world_news.txt
"""

from __future__ import annotations

import argparse
import re
from itertools import groupby

import numpy as np
from eras import SHIPPED_VARIANT, corpus_captures, embed, held_out_scores, read_eras

from kcna_themes.classifier import ThemeClassifier

NAMES_THE_DPRK = re.compile(r"\bDPRK\b|\bKorea|\bPyongyang\b|\bKim\s*(?:Jong\s*Un|Jong\s*Il|Il\s*Sung)|\bJuche\b|"
                            r"\bWPK\b|Workers' Party of Korea|\bKPA\b", re.I)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--seeds", type=int, default=4)
    args = ap.parse_args()
    for path, articles in groupby(corpus_captures(), key=lambda article: article[0]):
        names = [bool(NAMES_THE_DPRK.search(capture.embed_text)) for _, _, capture in articles]
        print(f"{path.name}: {names.count(False)} of {len(names)} articles never name the DPRK "
              f"({100 * names.count(False) / len(names):.1f}%)")
    articles, themes, Y, years, random_rows = read_eras(args.labels)
    embedder, texts = embed(articles, SHIPPED_VARIANT)
    world = np.array([not NAMES_THE_DPRK.search(t) for t in texts])
    train = np.isin(years, ["2015", "2016", "2017", "2024"])
    test = (years == "2011") & random_rows
    w = world[test]
    print(f"2011's random sample: {test.sum()} articles, {w.sum()} never name the DPRK "
          f"({int(Y[test][w].any(axis=1).sum())} of them carry a theme)")
    rows = []
    for seed in range(args.seeds):
        clf = ThemeClassifier(embedder=embedder, themes=themes, random_state=seed).fit(list(texts[train]), Y[train])
        probs = clf.predict_proba(list(texts[test]))
        tagged = probs[w] >= clf.thresholds_
        rows.append((held_out_scores(Y[test], probs, clf.thresholds_, themes)["macro_f1"],
                     held_out_scores(Y[test][~w], probs[~w], clf.thresholds_, themes)["macro_f1"],
                     int(tagged.any(axis=1).sum()), tagged.sum(axis=0)))
        print(f"random state {seed}: macro-F1 {rows[-1][0]:.3f}, without world news {rows[-1][1]:.3f}; "
              f"world news tagged {rows[-1][2]}", flush=True)
    per_theme = np.mean([r[3] for r in rows], axis=0)
    print(f"mean of {args.seeds}: macro-F1 {np.mean([r[0] for r in rows]):.3f}, on the {int((~w).sum())} articles "
          f"that name the DPRK {np.mean([r[1] for r in rows]):.3f}; world news tagged "
          f"{np.mean([r[2] for r in rows]):.1f} of {w.sum()} ("
          + ", ".join(f"{t} {v:.1f}" for t, v in zip(themes, per_theme)) + ")")


if __name__ == "__main__":
    main()
