"""Choose the recipe on held-out eras: train on some years, test on another era's random sample.

Cross-validation inside one year flatters a model that users run on other years. Here
every recipe is trained on the labelled articles of some eras (all of them: random
samples and searched-for draws) and scored on the *random sample* of an era it never
saw, which stands for that era's real output:

    2011 + 2024              -> random sample of 2015-2017
    2011 + 2015 + 2016       -> random sample of 2017
    2011 + 2015-2017         -> random sample of 2024        (today's captures)
    2015-2017 + 2024         -> random sample of 2011

Macro-F1 is over the themes with at least 10 examples in the test sample (rarer ones
are printed, but their F1 is noise). ECE is the expected calibration error of all
(article, theme) scores of the test sample.

Every fit is repeated with ``--seeds`` random states (the folds that calibrate the
scores and choose the thresholds, and the lexical SVD), and the line gives the mean and
the standard deviation over them: with 13 to 19 positives of a rare theme in a test
sample, one seed's macro-F1 moves by up to 0.04, so a single run can flatter a recipe.

    python benchmarks/eras.py labels/*.jsonl --json benchmarks/eras.json | tee benchmarks/eras.txt

``--test-rows unselected`` scores every article of the test era that no search chose
instead of its random sample: for 2024, all 411 of its corpus (the 240 of the random
sample and the 171 others, all read); for the other eras, the random sample again.

Embeddings go through the normal cache, so a second run costs the classifier fits only.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from tfidf_beside import TfidfBeside, TfidfBesideDouble, TfidfInsteadOfSvd

from kcna_themes.batch import BatchLog
from kcna_themes.captures import capture_from_record
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.embedding import BACKENDS, innermost, load_embedder
from kcna_themes.evaluation import calibration_error, theme_scores
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.training import is_random_sample, sample_kind

SPLITS = [
    ("2011+2024", ["2011", "2024"], "2015-2017"),
    ("2011+2015+2016", ["2011", "2015", "2016"], "2017"),
    ("2011+2015-2017", ["2011", "2015", "2016", "2017"], "2024"),
    ("2015-2017+2024", ["2015", "2016", "2017", "2024"], "2011"),
]
MIN_SUPPORT = 10
CORPORA = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def era_of(article) -> str:
    return (article.capture.published or "")[:4]


def read_eras(paths):
    """The labelled articles, their themes, 0/1 matrix, years and random-sample rows."""
    articles = read_labelled(paths, BatchLog())
    themes = themes_in(articles)
    years = np.array([era_of(a) for a in articles])
    random_rows = np.array([is_random_sample(a) for a in articles])
    return articles, themes, theme_matrix(articles, themes), years, random_rows


def corpus_captures():
    """Every article of ../shared/corpus, file by file, as (file, record, capture): the
    capture read from the record as ``tag`` reads it."""
    for path in sorted(CORPORA.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line, record in enumerate(map(json.loads, fh), 1):
                yield path, record, capture_from_record(record, path, line)


def unselected_rows(articles) -> np.ndarray:
    """The articles no search chose: the random samples, and those read because they were
    the rest of their corpus (``sample`` "rest:<era>": the 171 of 2024's 411 outside its
    random sample). For 2024 that is every article of the corpus; for the other eras, the
    random sample alone."""
    return np.array([sample_kind(a) in ("random", "rest") for a in articles])


MIDDLE_YEAR = {"2011": 2011, "2015-2017": 2016, "2017": 2017, "2024": 2024}


def era_weights(years: np.ndarray, test_era: str, scheme: str | None) -> np.ndarray | None:
    """Sample weights for training articles of these years, by the labelled files' eras
    (2011, 2015-2017, 2024). "near": an era counts 1 / (1 + its distance in years from the
    test era / 5), so nearer eras count more; "equal": every era the same total weight.
    Both are scaled to average 1; None leaves the articles unweighted."""
    if scheme is None:
        return None
    eras = np.where(in_era(years, "2015-2017"), "2015-2017", years)
    weights = np.ones(len(years))
    for era in set(eras):
        rows = eras == era
        weights[rows] = (1 / (1 + abs(MIDDLE_YEAR[era] - MIDDLE_YEAR[test_era]) / 5) if scheme == "near"
                         else len(eras) / (len(set(eras)) * rows.sum()))
    return weights * len(weights) / weights.sum()


def in_era(years: np.ndarray, era: str) -> np.ndarray:
    if "-" in era:
        lo, hi = era.split("-")
        return (years >= lo) & (years <= hi)
    return years == era


def embed(articles, variant: str, backend: str | None = None):
    """The embedder and texts of one variant, as ``kcna-themes train`` makes them (on the
    default encoder backend unless ``backend`` names another); every text is embedded once
    here, so the fits below read their vectors from the cache.

    "unmended" reads the text as it was before the reader restored the spaces that
    kcna.kp loses around the leaders' names, to measure what that costs.
    """
    long_text, tokens, headline = {"trunc128": ("truncate", 128, False), "trunc128-unmended": ("truncate", 128, False),
                                   "chunk128": ("chunk", 128, False),
                                   "headline+trunc128": ("truncate", 128, True),
                                   "headline+trunc96": ("truncate", 96, True),
                                   "headline+trunc64": ("truncate", 64, True)}[variant]
    if variant.endswith("unmended"):
        texts = [f"{a.capture.title}\n{a.capture.text}" if a.capture.title else a.capture.text for a in articles]
    else:
        texts = [a.capture.embed_text for a in articles]
    emb = load_embedder("default", long_text=long_text, max_tokens=tokens, headline=headline,
                        **({"backend": backend} if backend else {}))
    emb.embed(texts)
    return emb, np.array(texts, dtype=object)


def held_out_scores(Y: np.ndarray, probs: np.ndarray, thresholds: np.ndarray, themes) -> dict:
    """Scores on a held-out random sample: macro-F1 over themes with MIN_SUPPORT examples,
    micro-F1, calibration error, and each theme's precision, recall, F1 and support."""
    per = theme_scores(Y, probs >= thresholds, themes)["per_theme"]
    counted = [t for t in themes if per[t]["support"] >= MIN_SUPPORT]
    tp, fp, fn = (sum(s[k] for s in per.values()) for k in ("tp", "fp", "fn"))
    return {"macro_f1": round(float(np.mean([per[t]["f1"] for t in counted])), 4), "themes_counted": counted,
            "micro_f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0,
            "ece": calibration_error(Y, probs),
            "per_theme": {t: {k: per[t][k] for k in ("precision", "recall", "f1", "support")} for t in themes}}


def mean_over_seeds(rows: list[dict], themes) -> dict:
    """One recipe and split over its seeds: mean and standard deviation of the scores."""
    macro = np.array([r["macro_f1"] for r in rows])
    first = rows[0]
    return {"recipe": first["recipe"], "train": first["train"], "test": first["test"], "n_train": first["n_train"],
            "n_test": first["n_test"], "seeds": len(rows), "macro_f1": round(float(macro.mean()), 4),
            "macro_f1_sd": round(float(macro.std()), 4),
            "micro_f1": round(float(np.mean([r["micro_f1"] for r in rows])), 4),
            "ece": round(float(np.mean([r["ece"] for r in rows])), 4),
            "per_theme": {t: {k: round(float(np.mean([r["per_theme"][t][k] for r in rows])), 4)
                              for k in ("precision", "recall", "f1")} | {"support": first["per_theme"][t]["support"]}
                          for t in themes},
            "macro_f1_by_seed": [float(m) for m in macro]}


def result_line(row: dict, themes) -> str:
    return (f"{row['recipe']:44} {row['train']:15} -> {row['test']:17} n={row['n_test']:3} "
            f"macro {row['macro_f1']:.3f} ± {row['macro_f1_sd']:.3f} micro {row['micro_f1']:.3f} "
            f"ECE {row['ece']:.3f} | "
            + " ".join(f"{t[:5]} {row['per_theme'][t]['f1']:.2f}({row['per_theme'][t]['support']})"
                       for t in themes))


BEST = "best-f1"  # the threshold rule of every recipe before the half-F1 one
NO_RULINGS = {"digest_rule": False, "world_news_rule": False, "headline_terms": 0, "lead_terms": 0,
              "read_dateline": True}  # nor terms; the features read KCNA's dateline
NO_ACTORS = {"actor_themes": (), "threshold_rule": BEST, **NO_RULINGS}
WHO_ACTS = {"actor_themes": ("leader",), "threshold_rule": BEST, **NO_RULINGS}
HALF_F1 = {"actor_themes": ("leader",), "threshold_rule": "half-f1", **NO_RULINGS}
RULING_11 = {**HALF_F1, "digest_rule": True}
RULING_6 = {**RULING_11, "world_news_rule": True}
HEADLINE_TERMS = {**RULING_6, "headline_terms": 3000}
LEAD_TERMS = {**HEADLINE_TERMS, "lead_terms": 3000}
NO_DATELINE = {**LEAD_TERMS, "read_dateline": False}  # the shipped recipe's
SHIPPED_VARIANT = "headline+trunc64"  # the shipped recipe's embedding (``kcna-themes train``'s defaults)
SHIPPED_RECIPE = "the same, features without KCNA's dateline"  # the shipped model's recipe, in RECIPES below
RECIPES = {
    # name: (embedding variant, classifier parameters, thresholds on random samples, train on 2011 only);
    # the parameters' "estimator", when given, is a ThemeClassifier subclass to fit instead, their
    # "era_weights" a scheme of era_weights(), and their "without_draw" a draw (``sample``) left out of training
    "the 2011 model, names left glued (as shipped before)": ("trunc128-unmended", NO_ACTORS, False, True),
    "the 2011 model (2011 labels, old recipe)": ("trunc128", NO_ACTORS, False, True),
    "all eras, old recipe": ("trunc128", NO_ACTORS, False, False),
    "all eras, thresholds on random samples": ("trunc128", NO_ACTORS, True, False),
    "all eras, chunked long texts": ("chunk128", NO_ACTORS, False, False),
    "all eras, headline apart": ("headline+trunc128", NO_ACTORS, False, False),
    "all eras, headline apart, thresholds on random": ("headline+trunc128", NO_ACTORS, True, False),
    "all eras, C=4": ("trunc128", {"C": 4.0, **NO_ACTORS}, False, False),
    "headline, random thresholds, who acts (leader)": ("headline+trunc128", WHO_ACTS, True, False),
    "headline, who acts (leader)": ("headline+trunc128", WHO_ACTS, False, False),
    "chunked, who acts (leader)": ("chunk128", WHO_ACTS, False, False),
    "headline, who acts, thresholds half best F1": ("headline+trunc128", HALF_F1, False, False),
    "half best F1 on the random samples": ("headline+trunc128", HALF_F1, True, False),
    "half best F1, digests none (ruling 11)": ("headline+trunc128", RULING_11, False, False),
    "chunked, half best F1, digests none": ("chunk128", RULING_11, False, False),
    "no headline, half best F1, digests none": ("trunc128", RULING_11, False, False),
    "96 tokens, half best F1, digests none": ("headline+trunc96", RULING_11, False, False),
    "64 tokens, half best F1, digests none": ("headline+trunc64", RULING_11, False, False),
    "TF-IDF rows beside the SVD": ("headline+trunc64", {**RULING_11, "estimator": TfidfBeside}, False, False),
    "TF-IDF rows beside the SVD, weight 2": ("headline+trunc64", {**RULING_11, "estimator": TfidfBesideDouble},
                                             False, False),
    "TF-IDF rows instead of the SVD": ("headline+trunc64", {**RULING_11, "estimator": TfidfInsteadOfSvd},
                                       False, False),
    "shipped, nearer eras weighted more": ("headline+trunc64", {**RULING_11, "era_weights": "near"}, False, False),
    "shipped, every era the same weight": ("headline+trunc64", {**RULING_11, "era_weights": "equal"}, False, False),
    "64 tokens, digests and world news none": ("headline+trunc64", RULING_6, False, False),
    "64 tokens, headline terms, digests and world news none": ("headline+trunc64", HEADLINE_TERMS, False, False),
    "64 tokens, headline and lead terms, digests and world news none": ("headline+trunc64", LEAD_TERMS, False, False),
    "the same, features without KCNA's dateline": ("headline+trunc64", NO_DATELINE, False, False),
    "the same, without round 6's draw (disasters)": ("headline+trunc64",
                                                     {**NO_DATELINE, "without_draw": "search:disasters"}, False, False),
    "the same, without round 7's draw (heritage genres)": ("headline+trunc64", {
        **NO_DATELINE, "without_draw": "search:heritage-genres"}, False, False),
    "the same, without round 8's draw (history in South Korea and Japan)": ("headline+trunc64", {
        **NO_DATELINE, "without_draw": "search:history-south-japan"}, False, False),
    "the same, without round 9's draw (uniform, 2015-2017)": ("headline+trunc64", {
        **NO_DATELINE, "without_draw": "uniform:2015-2017"}, False, False),
}
SHIPPED = ["the 2011 model (2011 labels, old recipe)", "all eras, old recipe", "all eras, chunked long texts",
           "all eras, headline apart", "all eras, headline apart, thresholds on random",
           "headline, random thresholds, who acts (leader)", "headline, who acts (leader)",
           "chunked, who acts (leader)", "headline, who acts, thresholds half best F1",
           "half best F1 on the random samples", "half best F1, digests none (ruling 11)",
           "chunked, half best F1, digests none", "no headline, half best F1, digests none",
           "96 tokens, half best F1, digests none", "64 tokens, half best F1, digests none",
           "TF-IDF rows beside the SVD", "TF-IDF rows beside the SVD, weight 2", "TF-IDF rows instead of the SVD",
           "shipped, nearer eras weighted more", "shipped, every era the same weight"]


def classifier(params: dict, **fixed) -> ThemeClassifier:
    """A recipe's unfitted classifier: its estimator (ThemeClassifier unless it names
    another) with its parameters and the fixed ones (embedder, themes, random state)."""
    params = {k: v for k, v in params.items() if k not in ("era_weights", "without_draw")}
    return params.pop("estimator", ThemeClassifier)(**params, **fixed)


def training_rows(articles, years: np.ndarray, train_eras: list[str], name: str) -> np.ndarray:
    """The rows a recipe trains on for these eras: every labelled article of them, less the
    draw the recipe leaves out (to measure what a round of labels adds)."""
    rows = np.isin(years, train_eras)
    left_out = RECIPES[name][1].get("without_draw")
    if left_out:
        drawn = np.array([a.sample == left_out for a in articles])
        if not drawn.any():  # the recipe would be the same as with it, and say otherwise
            raise SystemExit(f"recipe {name!r}: no labelled article is of the draw {left_out!r}; merge it first "
                             "(labels/build/merge.py ../shared/corpus --with its draw file)")
        rows &= ~drawn
    return rows


def fit_recipe(name: str, embedder, texts, Y, themes, years, random_rows, train, test_era: str, seed: int):
    """One recipe fitted on the training rows as every benchmark fits it: its classifier,
    thresholds on the random samples when the recipe says so, and its era weights."""
    _, params, threshold_on_random, _ = RECIPES[name]
    return classifier(params, embedder=embedder, themes=themes, random_state=seed).fit(
        list(texts[train]), Y[train], threshold_rows=random_rows[train] if threshold_on_random else None,
        sample_weight=era_weights(years[train], test_era, params.get("era_weights")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--recipes", nargs="+", default=SHIPPED, choices=list(RECIPES))
    ap.add_argument("--seeds", type=int, default=4, help="random states each fit is repeated with")
    ap.add_argument("--json")
    ap.add_argument("--jobs", type=int, default=2, help="classifier fits run in parallel")
    ap.add_argument("--backend", choices=BACKENDS, help="encoder backend (default: kcna-themes train's)")
    ap.add_argument("--test-rows", choices=["random", "unselected"], default="random",
                    help="score the test era's random sample, or every article of it no search chose "
                         "(for 2024, all 411)")
    ap.add_argument("--train-share", type=float, default=1.0, metavar="F",
                    help="train every split on a seeded share F of its rows (a learning curve); "
                         "the test rows are untouched")
    ap.add_argument("--share-seed", type=int, default=1, help="which seeded share --train-share keeps")
    args = ap.parse_args()

    articles, themes, Y, years, random_rows = read_eras(args.labels)
    test_rows = random_rows if args.test_rows == "random" else unselected_rows(articles)
    print(f"{len(articles)} labelled articles; per year: "
          + ", ".join(f"{y} {int((years == y).sum())}" for y in sorted(set(years))))
    kept = np.random.default_rng(1000 + args.share_seed).random(len(articles)) < args.train_share
    if args.train_share < 1:
        print(f"every split trains on a seeded share of its rows: --train-share {args.train_share} "
              f"--share-seed {args.share_seed} ({int(kept.sum())} of {len(articles)} articles kept)")
    plans = []  # every recipe's rows first: a recipe refused is refused before minutes of embedding
    for name in args.recipes:
        variant, _, _, only_2011 = RECIPES[name]
        for split, train_eras, test_era in SPLITS:
            train = training_rows(articles, years, train_eras, name) & kept
            if only_2011:
                train &= years == "2011"
            test = in_era(years, test_era) & test_rows
            if train.any() and test.any():
                plans.append((name, split, test_era, variant, train, test))
    features: dict[str, tuple] = {}
    for variant in dict.fromkeys(plan[3] for plan in plans):
        features[variant] = embed(articles, variant, args.backend)
        inner = innermost(features[variant][0])
        print(f"{variant}: {features[variant][0].id}, int8 kernels: {inner.kernels or 'none (fp32)'}", flush=True)
    tasks = [(*plan, seed) for plan in plans for seed in range(args.seeds)]

    def run(name, split, test_era, variant, train, test, seed):
        emb, texts = features[variant]
        t0 = time.perf_counter()
        clf = fit_recipe(name, emb, texts, Y, themes, years, random_rows, train, test_era, seed)
        probs = clf.predict_proba(list(texts[test]))
        return {"recipe": name, "train": split, "test": f"{args.test_rows} {test_era}", "n_train": int(train.sum()),
                "n_test": int(test.sum()), **held_out_scores(Y[test], probs, clf.thresholds_, themes),
                "seconds": round(time.perf_counter() - t0, 1)}

    results = []
    runs: dict[tuple, list] = {}
    for row in Parallel(n_jobs=args.jobs, return_as="generator")(delayed(run)(*task) for task in tasks):
        runs.setdefault((row["recipe"], row["train"]), []).append(row)
        if len(runs[row["recipe"], row["train"]]) == args.seeds:
            results.append(mean_over_seeds(runs[row["recipe"], row["train"]], themes))
            print(result_line(results[-1], themes), flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
