"""Adjusted classify-and-count (ACC): theme shares corrected for the classifier's
measured error rates, with bootstrap intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .rows import ReportRow, ThemeCell

MIN_GAP = 0.05  # below this TPR - FPR, ACC divides by (almost) nothing


@dataclass(frozen=True)
class ThemeRates:
    """Cross-validated confusion counts of one theme, the basis of the ACC adjustment."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def tpr(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def fpr(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else math.nan


def unadjustable_themes(rates: Mapping[str, ThemeRates], min_gap: float = MIN_GAP) -> dict[str, float]:
    """Themes whose TPR - FPR is below ``min_gap`` (or unknown), with that gap.

    ACC divides by TPR - FPR; near zero the classifier barely tells the theme
    apart and the quotient is noise, so those themes get no adjusted value.
    """
    out = {}
    for theme, r in rates.items():
        gap = r.tpr - r.fpr
        if not gap >= min_gap:  # also catches NaN
            out[theme] = gap
    return out


def adjusted_shares(rows: Sequence[ReportRow], themes: Sequence[str], rates: Mapping[str, ThemeRates],
                    n_resamples: int = 1000, seed: int = 0, level: float = 0.90,
                    min_gap: float = MIN_GAP) -> list[ReportRow]:
    """The rows with each theme's ACC estimate and interval (``adjusted``, ``low``, ``high``).

    Adjusted classify-and-count (Forman 2008), per theme as a binary problem:
    observed = TPR * true + FPR * (1 - true), so
    ``true = (observed - FPR) / (TPR - FPR)``, clipped to [0, 1].
    This assumes prior probability shift only: the mix of themes may change
    between periods, but the way each theme is written (hence the classifier's
    TPR/FPR measured in cross-validation) may not.

    The interval is a percentile bootstrap that carries both sources of
    uncertainty: articles are resampled within the period (for one theme that
    is exactly a Binomial(n, observed share) count, drawn directly instead of
    materialising resamples), and each resample draws its own
    TPR ~ Beta(tp+1, fn+1), FPR ~ Beta(fp+1, tn+1) from the cross-validated
    counts. Vectorised over periods and resamples, looping only over themes.

    Not QuaPy: QuaPy 0.2.3's ``ACC`` trains and cross-validates its own
    (single-label) classifier and its bootstrap re-fits quantifiers per sample;
    here the rates are already measured and only the 2x2 inversion is needed,
    which is these few lines.

    Rows with n = 0, and themes whose TPR - FPR < ``min_gap``, get None.
    """
    rng = np.random.default_rng(seed)
    n = np.array([r.n for r in rows], dtype=np.int64)
    alpha = (1.0 - level) / 2.0
    poor = unadjustable_themes(rates, min_gap)
    extra: dict[str, tuple[list, list, list]] = {}
    for theme in themes:
        if theme in poor or theme not in rates:
            none = [None] * len(rows)
            extra[theme] = (none, none, none)
            continue
        r = rates[theme]
        count = np.array([row.themes[theme].count for row in rows], dtype=np.int64)
        observed = np.divide(count, n, out=np.zeros(len(rows)), where=n > 0)
        point = np.clip((observed - r.fpr) / (r.tpr - r.fpr), 0.0, 1.0)

        tpr = rng.beta(r.tp + 1, r.fn + 1, size=n_resamples)
        fpr = rng.beta(r.fp + 1, r.tn + 1, size=n_resamples)
        boot = rng.binomial(n[:, None], observed[:, None], size=(len(rows), n_resamples))
        boot_share = np.divide(boot, n[:, None], out=np.zeros(boot.shape), where=n[:, None] > 0)
        # A draw where the classifier looks uninformative sends the estimate to an
        # edge (after clipping) instead of dividing by ~0 or flipping the sign.
        gap = np.maximum(tpr - fpr, 1e-6)
        estimate = np.clip((boot_share - fpr) / gap, 0.0, 1.0)
        low, high = np.quantile(estimate, [alpha, 1.0 - alpha], axis=1)
        empty = n == 0
        point_list, low_list, high_list = ([None if e else float(v) for v, e in zip(values, empty)]
                                           for values in (point, low, high))
        extra[theme] = (point_list, low_list, high_list)

    out = []
    for i, row in enumerate(rows):
        cells = {}
        for theme, (adjusted, low, high) in extra.items():
            cell = row.themes[theme]
            cells[theme] = ThemeCell(cell.count, cell.share, adjusted[i], low[i], high[i])
        out.append(row.with_adjustment(cells))
    return out
