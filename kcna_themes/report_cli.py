"""The ``kcna-themes report`` command (registered with ``cli.add_command(report)``).

All the work is in the ``report`` package; this module only parses options, orders the
steps so that cheap checks fail before expensive work, and turns errors into
one ``Error: ...`` line and an exit status:

0 every input used; 1 some input skipped (or, with --strict, the first bad
input); 2 usage error, unusable model, mixed models, or no articles at all.
"""

from __future__ import annotations

import click

from . import report as rp
from .atomic import atomic_write, check_not_an_input, check_writable, write_errors_named
from .batch import BatchLog
from .exits import exits_cleanly
from .report.drilldown import DEFAULT_LIMIT

_FORMAT_BY_SUFFIX = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown",
                     ".html": "html", ".htm": "html"}


def _default_format(output: str | None) -> str:
    """csv/json/html for an --output named *.csv/*.json/*.html, otherwise markdown."""
    if output and output != "-":
        for suffix, fmt in _FORMAT_BY_SUFFIX.items():
            if output.lower().endswith(suffix):
                return fmt
    return "markdown"


def _default_model_dir():
    from .metadata import default_model_dir

    return default_model_dir()


def _html_page(rows, articles, themes, *, by, by_source, cutoffs, keep_duplicates, limit) -> str:
    """The HTML report; its libraries (altair, vl-convert) load only when asked for."""
    from .report.drilldown import cell_articles
    from .report.duplicates import counted_articles
    from .report.html_page import report_page

    counted = counted_articles(articles, keep_duplicates)
    drilldown = cell_articles(counted, themes, by=by, by_source=by_source, cutoffs=cutoffs, limit=limit)
    return report_page(rows, themes, drilldown, by=by, limit=limit, keep_duplicates=keep_duplicates,
                       model=articles[0].model if articles else None)


@click.command("report")
@click.argument("tagged", nargs=-1, required=True, type=click.Path(dir_okay=True, allow_dash=True))
@click.option("--by", "by", type=click.Choice(rp.PERIODS), default="month", show_default=True,
              help="Period of each row: day, ISO week, month, quarter, year, or all.")
@click.option("--by-source", is_flag=True, help="One row per period and outlet.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "markdown", "html"]), default=None,
              help="Output format. Default: from --output's extension (.csv, .json, .html), else markdown. "
                   "html is one self-contained page: interactive chart, table, and the articles behind each cell.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the table here (atomically) instead of stdout.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw theme shares over the periods as a PNG chart.")
@click.option("--threshold", "thresholds", multiple=True, metavar="VALUE|THEME=VALUE",
              help="Recount from stored scores with this cut-off (all themes, or one theme; repeatable).")
@click.option("--adjust", is_flag=True,
              help="Add ACC-adjusted shares with 90% intervals, using the model's cross-validated TPR/FPR.")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=False), default=None,
              help="Model folder whose metadata.json to use (default: the shipped model).")
@click.option("--strict", is_flag=True, help="Stop at the first bad input instead of skipping it.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the --adjust bootstrap.")
@click.option("--keep-duplicates", is_flag=True,
              help="Count every copy of a story (default: copies that tag marked duplicate_of are set aside).")
@click.option("--articles-per-cell", "per_cell", type=click.IntRange(min=1), default=None,
              help=f"html: how many articles each cell lists, highest-scoring first [default: {DEFAULT_LIMIT}].")
@click.pass_context
@exits_cleanly()
def report(ctx, tagged, by, by_source, fmt, output, plot_path, thresholds, adjust, model_dir, strict, seed,
           keep_duplicates, per_cell):
    """Count articles per theme and period from `kcna-themes tag` output.

    TAGGED are JSON Lines files (or CSV when named *.csv; - reads JSON Lines
    from stdin). Rows: period [source] n, then per theme its count and share,
    then none (articles with no theme). Periods without articles appear as
    zero rows; articles without a date go to an `undated` row at the end.
    Each story counts once: copies that `tag` marked as duplicates are set
    aside (counted in a `duplicates` column) unless --keep-duplicates.

    Exit status: 0 all inputs used, 1 some skipped (listed on stderr),
    2 usage error, unusable model, mixed models or no articles.
    """
    echo_err = lambda message: click.echo(message, err=True)  # noqa: E731
    log = BatchLog(strict=strict, echo=echo_err)
    try:
        overall, per_theme = rp.parse_thresholds(thresholds)
    except rp.ReportOptionError as err:
        raise click.BadParameter(str(err).removeprefix("--threshold "), param_hint="--threshold") from None
    if plot_path and not plot_path.lower().endswith(".png"):
        raise click.BadParameter("the chart is written as PNG; name the file *.png", param_hint="--plot")
    if output and plot_path and output == plot_path:
        raise click.UsageError("--output and --plot name the same file")
    fmt = fmt or _default_format(output)
    for path, option in ((output, "--output"), (plot_path, "--plot")):
        if path and path != "-":
            check_writable(path)
            check_not_an_input(path, tagged, option)

    metadata = None
    if adjust or model_dir:
        model_dir = model_dir or _default_model_dir()
        metadata = rp.read_model_metadata(model_dir)

    articles = rp.read_tagged(tagged, log)
    if metadata is not None:
        rp.check_model_matches(metadata, articles, model_dir)
    themes = rp.theme_order(articles, metadata)
    try:
        cutoffs = rp.resolve_cutoffs(themes, overall, per_theme)
    except rp.ReportOptionError as err:
        raise click.UsageError(str(err)) from None

    rates = None
    if adjust:
        assert metadata is not None  # read above whenever --adjust is given
        model_cutoffs = rp.model_thresholds(metadata)
        changed = rp.changed_cutoffs(cutoffs, model_cutoffs)
        if changed:
            raise click.UsageError(
                f"--adjust cannot be combined with a changed --threshold for {', '.join(changed)}: "
                "the model's TPR/FPR were measured at its own thresholds and do not hold at others")
        rates = rp.theme_rates(metadata.evaluation, themes)
        for theme, wrong in rp.threshold_mismatches(articles, themes, model_cutoffs).items():
            log.note(f"warning: {wrong} stored '{theme}' tags disagree with the model's threshold "
                     f"{model_cutoffs[theme]:g}; the input may have been tagged with other thresholds, "
                     "which the adjustment does not account for")
        for theme, gap in rp.unadjustable_themes(rates).items():
            log.note(f"note: {theme} not adjusted: TPR - FPR = {gap:.3f} is below {rp.MIN_GAP} "
                     f"(the classifier barely separates it); {theme}_adjusted is left empty")

    rows = rp.build_report(articles, themes, by=by, by_source=by_source, cutoffs=cutoffs,
                           rates=rates, seed=seed, keep_duplicates=keep_duplicates)
    figure = rp.share_figure(rows, themes, by=by) if plot_path else None

    if fmt == "html":
        text = _html_page(rows, articles, themes, by=by, by_source=by_source, cutoffs=cutoffs,
                          keep_duplicates=keep_duplicates, limit=per_cell or DEFAULT_LIMIT)
    else:
        text = rp.render(rows, fmt, keep_duplicates=keep_duplicates)
    if output and output != "-":
        with atomic_write(output) as fh:
            fh.write(text)
    else:
        with write_errors_named("<stdout>"):
            click.echo(text, nl=False)
    if figure is not None:
        with atomic_write(plot_path, mode="wb") as fh:
            figure.savefig(fh, format="png", dpi=120)
    echo_err(log.summary("articles"))
    ctx.exit(1 if log.n_skipped else 0)
