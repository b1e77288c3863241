"""Would the lexical features generalise better learned from the unlabelled corpora too?

The TF-IDF vocabulary and its SVD projection are learned from the training texts only,
about 3,000 labelled articles. Here they also learn from up to N unlabelled articles of
the *training* eras' corpora (never the test era's, never a labelled article), labels
untouched, on the splits of benchmarks/eras.py, with the recipe shipped when this was
measured otherwise (thresholds at the best out-of-fold F1, eras.py's "headline, who acts
(leader)"):

    python benchmarks/lexical_corpus.py labels/*.jsonl --extra 8000 30000 | tee benchmarks/lexical_corpus.txt

Each line is the mean over ``--seeds`` random states; 0 extra articles is that recipe.
Reads ../shared/corpus.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from functools import cache

import numpy as np
from eras import SPLITS, corpus_captures, embed, held_out_scores, in_era, read_eras
from joblib import Parallel, delayed

from kcna_themes import classifier

FIT = classifier.LexicalFeatures.fit


@cache  # each worker reads the corpora once per split and size, not once per seed
def unlabelled(eras: tuple[str, ...], exclude: frozenset[str], n: int) -> list[str]:
    """Up to n articles of the eras' corpora that are not labelled, in a fixed random order."""
    texts = [capture.embed_text for _, record, capture in corpus_captures()
             if record["date"][:4] in eras and record["id"] not in exclude]
    order = np.random.default_rng(0).permutation(len(texts))[:n]
    return [texts[i] for i in order]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--extra", type=int, nargs="+", default=[8000])
    ap.add_argument("--seeds", type=int, default=4)
    args = ap.parse_args()
    articles, themes, Y, years, random_rows = read_eras(args.labels)
    embedder, texts = embed(articles, "headline+trunc128")
    labelled = frozenset(a.capture.id for a in articles)

    def run(split, train_eras, test_era, extra, seed):
        more = unlabelled(tuple(train_eras), labelled, extra) if extra else []
        # the only change to the recipe: LexicalFeatures.fit reads the unlabelled texts as well
        classifier.LexicalFeatures.fit = lambda self, X, y=None: FIT(self, list(X) + more)
        try:
            train, test = np.isin(years, train_eras), in_era(years, test_era) & random_rows
            clf = classifier.ThemeClassifier(embedder=embedder, themes=themes, random_state=seed,  # the rules
                                             threshold_rule="best-f1", digest_rule=False,  # when measured
                                             world_news_rule=False, headline_terms=0, lead_terms=0,
                                             read_dateline=True).fit(
                list(texts[train]), Y[train])
            scores = held_out_scores(Y[test], clf.predict_proba(list(texts[test])), clf.thresholds_, themes)
        finally:
            classifier.LexicalFeatures.fit = FIT
        return split, test_era, extra, len(more), scores

    tasks = [(split, train, test, extra, seed) for split, train, test in SPLITS for extra in [0, *args.extra]
             for seed in range(args.seeds)]
    runs: dict[tuple, list] = defaultdict(list)
    for split, test_era, extra, n_more, scores in Parallel(n_jobs=2)(delayed(run)(*task) for task in tasks):
        runs[split, test_era, extra, n_more].append(scores)
    for (split, test_era, _extra, n_more), rows in runs.items():
        macro = np.array([r["macro_f1"] for r in rows])
        print(f"{split:15} -> random {test_era:9} unlabelled {n_more:5} macro {macro.mean():.3f} ± {macro.std():.3f} | "
              + " ".join(f"{t[:5]} {np.mean([r['per_theme'][t]['f1'] for r in rows]):.2f}" for t in themes),
              flush=True)


if __name__ == "__main__":
    main()
