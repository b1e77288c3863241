"""World news in 2011, and what ruling 6's rule (``ThemeClassifier.world_news_rule``) does to it.

A quarter of the 2011 corpus names nothing of the DPRK (world news: foreign ministers'
talks, foreign ports and factories, world food prices), against almost none of
2015-2017's and 2024's (the first lines of the output count them in ../shared/corpus,
by ``kcna_themes.world_news.is_world_news``). It is all none (ruling 6), and a model that
has only seen the later eras has no such none to learn from. This trains the shipped
recipe on 2015-2017 + 2024 (four random states, as benchmarks/eras.py does) with and
without the rule, scores 2011's random sample, and reports macro-F1 on all of it and on
the articles that name the DPRK, how many world-news articles each tags, and how many
labelled articles the rule sets to none although their readers gave them a theme.

    python benchmarks/world_news.py labels/*.jsonl > benchmarks/world_news.txt
"""

from __future__ import annotations

import argparse
from itertools import groupby

import numpy as np
from eras import NO_DATELINE, SHIPPED_VARIANT, classifier, corpus_captures, embed, held_out_scores, read_eras

from kcna_themes.world_news import is_world_news


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--seeds", type=int, default=4)
    args = ap.parse_args()
    for path, articles in groupby(corpus_captures(), key=lambda article: article[0]):
        world = [is_world_news(capture.embed_text) for _, _, capture in articles]
        print(f"{path.name}: {sum(world)} of {len(world)} articles name nothing of the DPRK "
              f"({100 * sum(world) / len(world):.1f}%)")
    articles, themes, Y, years, random_rows = read_eras(args.labels)
    embedder, texts = embed(articles, SHIPPED_VARIANT)
    world = np.array([is_world_news(t) for t in texts])
    themed = Y.any(axis=1)
    print(f"labelled: {world.sum()} of {len(world)} articles are world news, {int((world & themed).sum())} of them "
          "read as carrying a theme, which the rule loses: "
          + "; ".join(f"{articles[i].capture.title}" for i in np.flatnonzero(world & themed)))
    train = np.isin(years, ["2015", "2016", "2017", "2024"])
    test = (years == "2011") & random_rows
    w = world[test]
    print(f"2011's random sample: {test.sum()} articles, {w.sum()} name nothing of the DPRK "
          f"({int(Y[test][w].any(axis=1).sum())} of them carry a theme)")
    for rule in (False, True):
        rows = []
        for seed in range(args.seeds):
            clf = classifier({**NO_DATELINE, "world_news_rule": rule}, embedder=embedder, themes=themes,
                             random_state=seed).fit(list(texts[train]), Y[train])
            probs = clf.predict_proba(list(texts[test]))
            tagged = probs[w] >= clf.thresholds_
            rows.append((held_out_scores(Y[test], probs, clf.thresholds_, themes)["macro_f1"],
                         held_out_scores(Y[test][~w], probs[~w], clf.thresholds_, themes)["macro_f1"],
                         int(tagged.any(axis=1).sum()), tagged.sum(axis=0)))
        per_theme = np.mean([r[3] for r in rows], axis=0)
        print(f"world_news_rule={rule}: macro-F1 {np.mean([r[0] for r in rows]):.3f} ± "
              f"{np.std([r[0] for r in rows]):.3f} (mean of {args.seeds} random states), on the "
              f"{int((~w).sum())} articles that name the DPRK {np.mean([r[1] for r in rows]):.3f}; world news "
              f"tagged {np.mean([r[2] for r in rows]):.1f} of {w.sum()} ("
              + ", ".join(f"{t} {v:.1f}" for t, v in zip(themes, per_theme)) + ")", flush=True)


if __name__ == "__main__":
    main()
