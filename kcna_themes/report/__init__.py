"""Turn tagged articles into theme counts and shares per period (and per outlet).

This is the library half of ``kcna-themes report``; ``report_cli.py`` is the
command. The pipeline, one module per step::

    reading.read_tagged -> duplicates.split_duplicates -> counting.count_themes
      -> counting.fill_empty_periods -> adjustment.adjusted_shares
      -> render.render / charts.shares_png.plot_shares / html.write_html

(``pipeline.build_report`` runs the middle steps.) ``periods`` names and
bounds the periods, ``thresholds`` re-cuts stored scores, ``model_metadata``
is the one reader of the model's ``metadata.json``. Rows are typed
(``rows.ReportRow``); ``ReportRow.columns()`` gives the table's column order.

Nothing here prints or exits: problems are raised as ``KcnaThemesError``
subclasses, and bad input records go to a ``BatchLog`` so one broken line does
not sink a whole report.
"""

from ..errors import EmptyInputError, MixedModelsError, ReportOptionError
from .adjustment import MIN_GAP, ThemeRates, adjusted_shares, unadjustable_themes
from .charts.colours import THEME_COLOURS, theme_colours
from .charts.shares_png import MAX_TICK_LABELS, plot_shares, share_figure
from .counting import count_themes, effective_tags, fill_empty_periods
from .duplicates import split_duplicates
from .model_metadata import check_model_matches, model_thresholds, read_model_metadata, theme_order, theme_rates
from .periods import (
    MAX_REPORT_ROWS,
    PERIODS,
    UNDATED,
    check_period_span,
    period_count,
    period_key,
    period_range,
    period_start,
)
from .pipeline import build_report
from .reading import TaggedArticle, parse_published, read_tagged
from .render import duplicates_note, render
from .rows import RESERVED_COLUMNS, ReportRow, ThemeCell
from .thresholds import changed_cutoffs, parse_thresholds, resolve_cutoffs, threshold_mismatches

__all__ = [
    "PERIODS", "UNDATED", "RESERVED_COLUMNS", "THEME_COLOURS", "MIN_GAP", "MAX_TICK_LABELS", "MAX_REPORT_ROWS",
    "TaggedArticle", "ThemeRates", "ReportRow", "ThemeCell",
    "MixedModelsError", "EmptyInputError", "ReportOptionError",
    "read_tagged", "theme_order", "parse_published", "split_duplicates",
    "read_model_metadata", "check_model_matches", "model_thresholds", "theme_rates",
    "parse_thresholds", "resolve_cutoffs", "changed_cutoffs", "threshold_mismatches",
    "period_key", "period_start", "period_range", "period_count", "check_period_span",
    "effective_tags", "count_themes", "fill_empty_periods",
    "unadjustable_themes", "adjusted_shares", "build_report",
    "render", "duplicates_note", "theme_colours", "share_figure", "plot_shares",
]
