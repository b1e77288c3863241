"""Which error rates make `report --adjust` recover real theme shares? And where does
the shipped recipe go wrong?

On each era's random sample (articles drawn uniformly from that era's corpus) the
true share of each theme is known from the labels. The shipped recipe is cross-validated on
all labelled articles; its out-of-fold decisions on the random sample give the
raw tagged share, and adjusted classify-and-count corrects it with TPR and FPR
measured either on all labelled articles, or with FPR from random-sample
negatives. To keep the second honest, the random sample is split in two halves:
the FPR comes from one half and the share is estimated on the other.

    python benchmarks/adjustment_check.py labels/*.jsonl > benchmarks/adjustment_check.txt
"""

import sys
from collections import Counter

import numpy as np
from sklearn.base import clone

from kcna_themes.batch import BatchLog
from kcna_themes.evaluation import cross_validate
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.tagging import load_tagger
from kcna_themes.training import is_random_sample, sample_era


def acc(observed, tpr, fpr):
    return float(np.clip((observed - fpr) / (tpr - fpr), 0, 1))


def main(labels: list[str]) -> None:
    model, emb = load_tagger()  # the shipped folder: its embedder, and its recipe in its classifier's settings
    meta = model.metadata
    articles = read_labelled(labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = [a.capture.embed_text for a in articles]
    rnd = np.array([is_random_sample(a) for a in articles])
    from_random = meta.training.get("thresholds_from") == "random samples"
    recipe = clone(model.classifier).set_params(embedder=emb, themes=themes)
    cv = cross_validate(recipe, texts, Y, threshold_rows=rnd if from_random else None, n_jobs=2)
    D = cv.decisions
    halves = np.zeros(len(articles), dtype=int)
    halves[np.flatnonzero(rnd)[::2]] = 1
    errors = {"raw": [], "all": [], "random": []}
    for era in sorted({sample_era(a) for a in articles if is_random_sample(a)}):
        in_era = rnd & np.array([sample_era(a) == era for a in articles])
        print(f"\nrandom sample of {era}: {in_era.sum()} articles\n")
        print("| theme | true share | tagged share | ACC, rates from all labels | ACC, FPR from random negatives |")
        print("|---|---:|---:|---:|---:|")
        for j, t in enumerate(themes):
            y, d = Y[:, j].astype(bool), D[:, j]
            tpr = (d & y).sum() / y.sum()
            fpr_all = (d & ~y).sum() / (~y).sum()
            true, raw = y[in_era].mean(), d[in_era].mean()
            est_all = acc(raw, tpr, fpr_all)
            est_rnd = []
            for h in (0, 1):  # FPR from one half of the random samples, share estimated on the other
                neg = rnd & (halves == h) & ~y
                part = in_era & (halves != h)
                est_rnd.append((acc(d[part].mean(), tpr, (d & neg).sum() / neg.sum()), part.sum()))
            est_rnd = sum(e * n for e, n in est_rnd) / sum(n for _, n in est_rnd)
            for key, value in (("raw", raw), ("all", est_all), ("random", est_rnd)):
                errors[key].append(abs(value - true))
            print(f"| {t} | {true:.1%} | {raw:.1%} | {est_all:.1%} | {est_rnd:.1%} |")
    print(f"\nmean absolute error over eras and themes: tagged {np.mean(errors['raw']):.1%}, "
          f"ACC with rates from all labels {np.mean(errors['all']):.1%}, "
          f"ACC with FPR from random negatives {np.mean(errors['random']):.1%}")

    print("\nErrors by theme (out-of-fold, all labelled articles): what the misses and false alarms really were")
    for j, t in enumerate(themes):
        y, d = Y[:, j].astype(bool), D[:, j]
        fp, fn = np.flatnonzero(d & ~y), np.flatnonzero(~d & y)
        fp_true = Counter(u for i in fp for u in (articles[i].themes or ["none"]))
        fn_pred = Counter(themes[k] for i in fn for k in np.flatnonzero(D[i]) if k != j)
        print(f"\n{t}: {len(fp)} false positives, labelled {dict(fp_true.most_common(4))}; "
              f"{len(fn)} misses, tagged instead {dict(fn_pred.most_common(3)) or 'nothing'}")
        for i in fp[:3]:
            title = (articles[i].capture.title or "")[:70]
            print(f"  FP {articles[i].capture.id} {title!r} labelled {articles[i].themes}")
        for i in fn[:3]:
            title = (articles[i].capture.title or "")[:70]
            print(f"  FN {articles[i].capture.id} {title!r} labelled {articles[i].themes}")


if __name__ == "__main__":
    main(sys.argv[1:])
