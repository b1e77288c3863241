"""The shipped recipe on 2015-2017 held out, measured on articles no choice was made on.

Every recipe and every round of labels was kept or dropped on the same four random
samples, so the figures of ``eras.py`` carry that selection and a fresh sample would
probably score the shipped recipe lower (README, *What the shipped model was trained on*).
2024 has no unread article left to check this on; 2015-2017 does, and it is the era
whose target (macro-F1 >= 0.88) the shipped recipe misses.

Round 9 (``labels/build/drawn-round9.jsonl``) is 400 articles drawn uniformly from the
2015-2017 articles that no earlier draw took, each read against the codebook, and used
for nothing but the decision not to merge them. Every article an earlier draw took is
read too (the random sample and the searches, merged or not). So the era's 12,000
articles fall into two strata:

* T: the articles of the earlier draws, all read: counted whole, each once;
* U: the rest, of which round 9 is a uniform sample: each of its articles counts
  |U| / 400.

The shipped recipe is fitted as ``eras.py`` fits it on its 2011+2024 split (four random
states), and each theme's true positives, false positives and misses are summed with
these weights: unbiased estimates of the counts over all 12,000 articles, whence each
theme's F1 and macro-F1 over the themes the random sample counts (those with 10
examples there). The 95% interval resamples round 9's articles (T is a census, and
has no sampling error). Also printed, from the same fits: round 9 alone, and the random
sample alone (``eras.py``'s figure); and the shipped model itself on round 9, which it never
saw though it trained on 2015-2017's other labels: what a user tagging that era can expect.

    python benchmarks/fresh_sample.py labels/*.jsonl | tee benchmarks/fresh_sample.txt

Reads ``../shared/corpus`` for the texts of the articles not merged into ``labels/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from eras import (
    MIN_SUPPORT,
    RECIPES,
    SHIPPED_RECIPE,
    embed,
    fit_recipe,
    in_era,
    read_eras,
    training_rows,
)
from joblib import Parallel, delayed

from kcna_themes import load_model
from kcna_themes.batch import BatchLog
from kcna_themes.embedding import innermost
from kcna_themes.evaluation import calibration_error
from kcna_themes.labels import read_labelled, theme_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "labels" / "build"))
from drawing import taken_before  # noqa: E402
from merge import HERE as BUILD  # noqa: E402
from merge import THEMES, corpus_by_id, labelled_row, read_jsonl, read_labels  # noqa: E402

ROUND = 9
ERA_CORPUS = "kcna-2015-2017.jsonl"
CORPUS_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def read_strata(merged_ids: set[str]) -> tuple[list[dict], list[dict], int]:
    """The era's read articles outside ``labels/`` as labelled records: those of earlier
    draws (stratum T, besides the merged ones) and round 9's (the sample of U); and |U|."""
    corpus = corpus_by_id(CORPUS_DIR, (ERA_CORPUS,))
    labels, second = read_labels(), read_labels("second")
    earlier = taken_before(ROUND) & corpus.keys()
    fresh = [r["id"] for r in read_jsonl(BUILD / f"drawn-round{ROUND}.jsonl")]
    samples = {r["id"]: r["sample"] for path in sorted(BUILD.glob("drawn*.jsonl")) for r in read_jsonl(path)}
    unread = sorted((earlier | set(fresh)) - labels.keys())
    if unread:
        raise SystemExit(f"{len(unread)} drawn articles of 2015-2017 have no reading, e.g. {unread[0]}")
    if earlier & set(fresh):
        raise SystemExit(f"round {ROUND} took articles an earlier draw took")

    def record(i: str) -> dict:
        return labelled_row(corpus[i], labels[i], samples[i], i in second)

    return ([record(i) for i in sorted(earlier - merged_ids)], [record(i) for i in fresh],
            len(corpus) - len(earlier))


def as_labelled(records: list[dict]):
    """The records read as every labelled file is read (``read_labelled``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "articles.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return read_labelled([str(path)], BatchLog(), min_support=1)


def weighted_f1(Y: np.ndarray, P: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each theme's F1 from weighted true positives, false positives and misses."""
    tp = weights @ (Y & P)
    fp = weights @ (~Y & P)
    fn = weights @ (Y & ~P)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tp > 0, 2 * tp / (2 * tp + fp + fn), 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--boot", type=int, default=2000, help="bootstrap resamples of round 9's articles")
    args = ap.parse_args()

    articles, themes, Y, years, random_rows = read_eras(args.labels)
    if list(themes) != list(THEMES):
        raise SystemExit(f"the labelled files' themes are {themes}, not the codebook's {list(THEMES)}")
    era = in_era(years, "2015-2017")
    others, fresh, n_rest = read_strata({a.capture.id for a, e in zip(articles, era) if e})
    test = [a for a, e in zip(articles, era) if e] + as_labelled(others) + as_labelled(fresh)
    n_merged, n_others = int(era.sum()), len(others)
    stratum_t = np.arange(len(test)) < n_merged + n_others
    in_random = np.zeros(len(test), dtype=bool)
    in_random[:n_merged] = random_rows[era]
    weights = np.where(stratum_t, 1.0, n_rest / len(fresh))
    Y_test = theme_matrix(test, themes).astype(bool)
    counted = [j for j, t in enumerate(themes) if Y_test[in_random, j].sum() >= MIN_SUPPORT]
    print(f"2015-2017: {len(test)} read articles; stratum T (earlier draws, all read): {n_merged} in labels/ "
          f"({int(in_random.sum())} of them the random sample) and {n_others} read but not merged; "
          f"stratum U: {n_rest} articles, of which round {ROUND}'s {len(fresh)} are a uniform sample "
          f"(each counts {n_rest / len(fresh):.2f})")
    print("macro-F1 over " + ", ".join(themes[j] for j in counted) + " (10 examples or more in the random sample)")

    variant = RECIPES[SHIPPED_RECIPE][0]
    emb, texts = embed(articles, variant)
    print(f"{variant}: {emb.id}, int8 kernels: {innermost(emb).kernels or 'none (fp32)'}")
    _, test_texts = embed(test, variant)
    train = training_rows(articles, years, ["2011", "2024"], SHIPPED_RECIPE)

    def run(seed: int):
        clf = fit_recipe(SHIPPED_RECIPE, emb, texts, Y, themes, years, random_rows, train, "2015-2017", seed)
        return clf.predict_proba(list(test_texts)) >= clf.thresholds_

    predicted = list(Parallel(n_jobs=args.jobs)(delayed(run)(seed) for seed in range(args.seeds)))
    fresh_rows = np.flatnonzero(~stratum_t)
    rng = np.random.default_rng(0)
    boot_rows = [rng.choice(fresh_rows, size=len(fresh_rows)) for _ in range(args.boot)]

    def macro(P: np.ndarray, rows: np.ndarray, w: np.ndarray) -> float:
        return float(weighted_f1(Y_test[rows], P[rows], w[rows])[counted].mean())

    t_rows = np.flatnonzero(stratum_t)
    estimate = [macro(P, np.arange(len(test)), weights) for P in predicted]
    boot = [np.mean([macro(P, np.concatenate([t_rows, rows]), weights) for P in predicted]) for rows in boot_rows]
    low, high = np.percentile(boot, [2.5, 97.5])
    per_theme = np.mean([weighted_f1(Y_test, P, weights) for P in predicted], axis=0)
    population = weights @ Y_test
    print(f"\nthe whole era, estimated: macro-F1 {np.mean(estimate):.3f} ± {np.std(estimate):.3f} over seeds, "
          f"95% interval [{low:.3f}, {high:.3f}]")
    print("  " + "  ".join(f"{t} {per_theme[j]:.2f} (~{population[j]:.0f})" for j, t in enumerate(themes)))
    for name, rows in (("round 9 alone (uniform over U)", fresh_rows),
                       ("the random sample alone", np.flatnonzero(in_random))):
        f1 = np.mean([weighted_f1(Y_test[rows], P[rows], np.ones(len(rows))) for P in predicted], axis=0)
        print(f"{name}: n={len(rows)}, macro-F1 over the same themes {f1[counted].mean():.3f} | "
              + "  ".join(f"{t} {f1[j]:.2f} ({int(Y_test[rows, j].sum())})" for j, t in enumerate(themes)))

    # the shipped model itself, which trained on 2015-2017's merged labels but never saw round 9
    shipped = load_model().model
    fresh_texts = [a.capture.embed_text for a in test[n_merged + n_others:]]
    probs = shipped.score(fresh_texts)
    f1 = weighted_f1(Y_test[fresh_rows], probs >= shipped.classifier.thresholds_, np.ones(len(fresh_rows)))
    print(f"\nthe shipped model {shipped.model_id} (trained on every era, 2015-2017 included) on round 9: "
          f"macro-F1 over the same themes {f1[counted].mean():.3f}, "
          f"ECE {calibration_error(Y_test[fresh_rows].astype(int), probs):.3f} | "
          + "  ".join(f"{t} {f1[j]:.2f}" for j, t in enumerate(themes)))


if __name__ == "__main__":
    main()
