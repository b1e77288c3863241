"""Do two recipes differ on held-out eras by more than the test sample's luck?

    python benchmarks/eras_paired.py "64 tokens, half best F1, digests none" \\
        "half best F1, digests none (ruling 11)" | tee -a benchmarks/eras_paired.txt

``benchmarks/eras.py`` gives each recipe's mean and spread over random states, which
says nothing about the test sample itself: with 13 to 19 positives of a rare theme,
a handful of articles moves macro-F1 by 0.02. Here both recipes (names from
``eras.py``'s ``RECIPES``) are fitted on every split with the same four random
states, and their decisions on the same test articles are compared: the difference
in macro-F1 (A minus B, averaged over the random states) and a 95% paired bootstrap
interval over the test articles (2,000 resamples, the same resamples for both).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from eras import MIN_SUPPORT, RECIPES, SPLITS, embed, fit_recipe, in_era, read_eras, training_rows
from joblib import Parallel, delayed

LABELS = sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "labels").glob("*.jsonl"))


def macro_f1(truth: np.ndarray, decided: np.ndarray, rows: np.ndarray, counted: np.ndarray) -> float:
    """Macro-F1 over the counted themes, on the given rows (a resample) of a test sample."""
    y, p = truth[rows][:, counted], decided[rows][:, counted]
    tp, fp, fn = (y & p).sum(axis=0), (~y & p).sum(axis=0), (y & ~p).sum(axis=0)
    return float(np.mean(2 * tp / np.maximum(2 * tp + fp + fn, 1)))


def paired_difference(truth: np.ndarray, decided_a: list[np.ndarray], decided_b: list[np.ndarray],
                      rng: np.random.Generator, resamples: int = 2000) -> tuple[float, float, float, float]:
    """A minus B in macro-F1 on one test sample, each side's decisions given once per random
    state (averaged over them): the point difference, the 95% paired bootstrap interval over
    the test articles (the same resamples for both, drawn from ``rng``), and the share of
    resamples where A < B."""
    truth = truth.astype(bool)
    n = len(truth)
    counted = truth.sum(axis=0) >= MIN_SUPPORT
    draws = [rng.integers(0, n, n) for _ in range(resamples)]
    every = np.arange(n)
    point, spread = 0.0, np.zeros(resamples)
    for a, b in zip(decided_a, decided_b):
        point += (macro_f1(truth, a, every, counted) - macro_f1(truth, b, every, counted)) / len(decided_a)
        spread += np.array([macro_f1(truth, a, r, counted) - macro_f1(truth, b, r, counted)
                            for r in draws]) / len(decided_a)
    low, high = np.percentile(spread, [2.5, 97.5])
    return point, float(low), float(high), float(np.mean(spread < 0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a", choices=list(RECIPES))
    ap.add_argument("b", choices=list(RECIPES))
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--resamples", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()

    articles, themes, Y, years, random_rows = read_eras(LABELS)
    # each recipe's training rows first: a recipe refused is refused before minutes of embedding
    train_rows = {(recipe, split): training_rows(articles, years, train_eras, recipe)
                  for recipe in (args.a, args.b) for split, train_eras, _ in SPLITS}
    features = {variant: embed(articles, variant) for variant in dict.fromkeys(RECIPES[r][0] for r in (args.a, args.b))}

    def decisions(recipe: str, split: str, test_era: str, test: np.ndarray, seed: int) -> np.ndarray:
        embedder, texts = features[RECIPES[recipe][0]]
        train = train_rows[recipe, split]
        clf = fit_recipe(recipe, embedder, texts, Y, themes, years, random_rows, train, test_era, seed)
        return clf.predict_proba(list(texts[test])) >= clf.thresholds_

    tests = {split: in_era(years, era) & random_rows for split, _, era in SPLITS}
    jobs = [(recipe, split, era, seed) for recipe in (args.a, args.b)
            for split, _, era in SPLITS for seed in range(args.seeds)]
    decided = dict(zip([(r, s, seed) for r, s, _, seed in jobs], Parallel(n_jobs=args.jobs)(
        delayed(decisions)(recipe, split, era, tests[split], seed) for recipe, split, era, seed in jobs)))

    print(f"A: {args.a}\nB: {args.b}")
    rng = np.random.default_rng(0)
    for split, _, era in SPLITS:
        point, low, high, below = paired_difference(
            Y[tests[split]], [decided[args.a, split, seed] for seed in range(args.seeds)],
            [decided[args.b, split, seed] for seed in range(args.seeds)], rng, args.resamples)
        print(f"{split:15} -> random {era:9} n={int(tests[split].sum()):3}  A-B macro-F1 {point:+.3f}  "
              f"95% paired bootstrap [{low:+.3f}, {high:+.3f}]  P(A<B) {below:.2f}", flush=True)


if __name__ == "__main__":
    main()
