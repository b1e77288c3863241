"""What the benchmarks that pair a variant against the shipped recipe share.

``self_training.py`` and ``second_encoder.py`` each fit the shipped recipe and their
variants on every split of ``eras.py`` with the same random states, and compare their
decisions on the same test articles as ``eras_paired.py`` compares two recipes. A variant
there is code, not an entry of ``RECIPES``, so they run their own fits; the command line,
the articles they read, the splits' loop and the printed comparison are these.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator

import numpy as np
from eras import SHIPPED_RECIPE, SHIPPED_VARIANT, SPLITS, embed, held_out_scores, in_era, read_eras, training_rows
from eras_paired import paired_difference
from joblib import Parallel, delayed


def shipped_setup(description: str):
    """The command line (the labelled files, ``--seeds``, ``--jobs``), the labelled
    articles as ``eras.read_eras`` gives them, and the shipped recipe's embedder and texts."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--seeds", type=int, default=4, help="random states each fit is repeated with")
    ap.add_argument("--jobs", type=int, default=2, help="fits run in parallel")
    args = ap.parse_args()
    eras = read_eras(args.labels)
    embedder, texts = embed(eras[0], SHIPPED_VARIANT)
    return args, eras, embedder, texts


def every_split(run: Callable, eras: tuple, seeds: int, jobs: int) -> Iterator[tuple[str, str, np.ndarray, list]]:
    """Per split of ``eras.SPLITS``: its name, test era, test rows (the era's random sample)
    and what ``run(train_eras, test_era, train, test, seed)`` returned for each random
    state, given the split's training rows (as ``eras.training_rows`` gives them for the
    shipped recipe) and test rows. ``eras`` is what ``shipped_setup`` read."""
    articles, _, _, years, random_rows = eras
    for split, train_eras, test_era in SPLITS:
        train = training_rows(articles, years, train_eras, SHIPPED_RECIPE)
        test = in_era(years, test_era) & random_rows
        fits = Parallel(n_jobs=jobs)(delayed(run)(train_eras, test_era, train, test, seed) for seed in range(seeds))
        yield split, test_era, test, fits


def comparison(Y_test: np.ndarray, variant: list[np.ndarray], shipped: list[np.ndarray], themes) -> str:
    """The variant's decisions against the shipped recipe's on one test sample, one array
    per random state: macro-F1 of each (the mean over the states), the paired difference
    with its 95% bootstrap interval, and each theme's F1 of each."""
    def mean_f1(decided: list[np.ndarray], theme: str | None = None) -> float:
        scored = [held_out_scores(Y_test, d.astype(float), 0.5, themes) for d in decided]
        return float(np.mean([s["per_theme"][theme]["f1"] if theme else s["macro_f1"] for s in scored]))

    point, low, high, _ = paired_difference(Y_test, variant, shipped, np.random.default_rng(0))
    return (f"macro-F1 {mean_f1(shipped):.3f} -> {mean_f1(variant):.3f}, paired {point:+.3f} "
            f"[{low:+.3f}, {high:+.3f}] | "
            + " ".join(f"{t} {mean_f1(shipped, t):.2f}->{mean_f1(variant, t):.2f}" for t in themes))
