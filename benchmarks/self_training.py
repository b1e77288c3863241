"""Self-training: would the unlabelled articles of the training eras teach the model more?

Every split of ``eras.py`` is fitted with the shipped recipe on its labelled articles
(the baseline). That model then scores every unlabelled corpus article of the same
training eras (never of the test era: a user's next era is not in hand), and the
articles it is sure of (every theme's score at most ``band`` or at least 1 - ``band``)
join the training set with the themes it gave them, each weighing ``weight`` beside a
read article's 1. Thresholds are still chosen on the read articles only. Both fits are
scored on the test era's random sample with the same four random states, and the
difference is paired as ``eras_paired.py`` pairs it (A = self-trained, B = baseline).

    python benchmarks/self_training.py labels/*.jsonl | tee benchmarks/self_training.txt

Reads ``../shared/corpus`` for the unlabelled articles; about 17 minutes on 2 cores.
"""

from __future__ import annotations

import numpy as np
from against_shipped import comparison, every_split, shipped_setup
from eras import RECIPES, SHIPPED_RECIPE, classifier, corpus_captures, fit_recipe

SETTINGS = [(0.1, 1.0), (0.1, 0.3)]  # (band, weight)


def main() -> None:
    args, eras, embedder, texts = shipped_setup(__doc__.split("\n")[0])
    articles, themes, Y, years, random_rows = eras
    labelled_ids = {a.capture.id for a in articles}
    unlabelled = [c for _, _, c in corpus_captures() if c.id not in labelled_ids]
    pool_texts = np.array([c.embed_text for c in unlabelled], dtype=object)
    pool_years = np.array([(c.published or "")[:4] for c in unlabelled])
    embedder.embed(list(pool_texts))
    print(f"{len(articles)} labelled articles, {len(unlabelled)} unlabelled in ../shared/corpus", flush=True)
    params = RECIPES[SHIPPED_RECIPE][1]

    def run(train_eras, test_era, train, test, seed):
        base = fit_recipe(SHIPPED_RECIPE, embedder, texts, Y, themes, years, random_rows, train, test_era, seed)
        decided = {"baseline": base.predict_proba(list(texts[test])) >= base.thresholds_}
        pool = np.isin(pool_years, train_eras)
        scores = base.predict_proba(list(pool_texts[pool]))
        n, sure = int(train.sum()), {}
        for band, weight in SETTINGS:
            confident = np.all((scores >= 1 - band) | (scores <= band), axis=1)
            pseudo = (scores >= base.thresholds_).astype(int)[confident]
            model = classifier(params, embedder=embedder, themes=themes, random_state=seed).fit(
                list(texts[train]) + list(pool_texts[pool][confident]), np.vstack([Y[train], pseudo]),
                threshold_rows=np.r_[np.ones(n, bool), np.zeros(len(pseudo), bool)],
                sample_weight=np.r_[np.ones(n), np.full(len(pseudo), weight)])
            decided[band, weight] = model.predict_proba(list(texts[test])) >= model.thresholds_
            sure[band, weight] = (int(pool.sum()), len(pseudo), pseudo.sum(axis=0).tolist())
        return decided, sure

    for split, test_era, test, fits in every_split(run, eras, args.seeds, args.jobs):
        for setting in SETTINGS:
            pool, taken, positives = fits[0][1][setting]
            print(f"{split:15} -> {test_era:9} band {setting[0]} weight {setting[1]}: {taken} of {pool} "
                  f"unlabelled taken (themes {dict(zip(themes, positives))}, random state 0)", flush=True)
            print("    " + comparison(Y[test], [d[setting] for d, _ in fits], [d["baseline"] for d, _ in fits], themes),
                  flush=True)


if __name__ == "__main__":
    main()
