"""The ``suggest``, ``label`` and ``review`` commands: the teach-it loop's click layer.

Registered in ``cli.py`` with ``cli.add_command``. The work is in ``suggest.py``,
``review.py`` and the ``labelling`` package; this module parses options and turns
library errors into one line and an exit status through ``cli``'s helpers
(imported inside the commands, since ``cli`` imports this module).
"""

from __future__ import annotations

import sys

import click

from .captures import DEFAULT_MAX_BYTES
from .exits import EXIT_INTERRUPTED, exits_cleanly

_model_option = click.option("--model", "model_dir", type=click.Path(file_okay=False),
                             help="Model folder. Default: the shipped model.")
_cache_option = click.option("--cache-dir", type=click.Path(file_okay=False), envvar="KCNA_THEMES_CACHE",
                             help="Where embeddings are cached. Default: $KCNA_THEMES_CACHE or ~/.cache/kcna-themes.")
_host_option = click.option("--host", default="127.0.0.1", show_default=True,
                            help="Address to serve on. Another than 127.0.0.1 lets other machines label.")
_port_option = click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
                            help="Port to serve on (0: any free port).")
_browser_option = click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
_annotator_option = click.option("--annotator", default=None, metavar="NAME",
                                 help="Written into every label line as 'annotator'.")


def _serving_options(command):
    """The options of the commands that serve the labelling page (``label``, ``review``)."""
    for option in (_cache_option, _annotator_option, _browser_option, _port_option, _host_option):
        command = option(command)
    return command


@click.command("suggest")
@click.argument("pool", nargs=-1, required=True)
@_model_option
@click.option("--labels", "labels", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Labelled file(s): their articles are skipped (by id and by identical text), and a new "
                   "--theme is searched with the text of its examples. Repeatable.")
@click.option("-n", "n", default=50, show_default=True, type=click.IntRange(min=1), help="Articles to suggest.")
@click.option("--theme", default=None, metavar="THEME",
              help="Focus on one theme: one of the model's (scores near its threshold), or a new theme "
                   "searched with its examples in --labels.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The queue to write (JSON Lines, atomically): give it to `kcna-themes label`.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1),
              help="Articles embedded at a time.")
@click.option("--max-size", default=DEFAULT_MAX_BYTES / 1e6, show_default=True,
              help="Skip input files larger than this many MB.")
@_cache_option
@click.option("--strict", is_flag=True, help="Stop at the first bad input instead of skipping it.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
@exits_cleanly()
def suggest(services, pool, model_dir, labels, n, theme, output, batch_size, max_size, cache_dir, strict, quiet):
    """Pick the articles of POOL whose labels would teach the model most.

    POOL is what `tag` reads (captures, .jsonl/.csv records, folders, globs).
    Articles are picked for scores near a theme's threshold (uncertainty), spread
    over the embedding space (never many copies of one story), and never if
    already in --labels. Each queue line holds the article, the model's scores,
    its suggested themes and the reason it was picked.
    """
    from .atomic import atomic_write, check_not_an_input, check_writable
    from .batch import BatchLog
    from .captures import expand_inputs, read_captures
    from .cli import _err, _finish, _progress
    from .errors import KcnaThemesError
    from .labels import THEME_NAME, read_labelled
    from .suggest import queue_record
    from .suggest import suggest as pick
    from .tagging import format_record, load_tagger

    log = BatchLog(strict=strict, echo=_err)
    if theme is not None and not THEME_NAME.match(theme):
        raise click.UsageError(f"--theme {theme!r}: a theme name is lower-case letters, digits, - or _")
    check_writable(output)
    # as for tag: the queue must never overwrite the pool or the labels it reads
    check_not_an_input(output, [*expand_inputs(pool, BatchLog()), *labels])
    model, _ = load_tagger(model_dir, None, cache_dir, load_embedder=services.load_embedder)
    labels_log = BatchLog(echo=_err)
    labelled = read_labelled(labels, labels_log, min_support=1) if labels else []
    if labels_log.n_skipped:  # suggesting without them would suggest what is already labelled
        raise KcnaThemesError("--labels: labelled file refused (named above)")
    bar = _progress(quiet, "article")
    found = pick(read_captures(pool, log, int(max_size * 1e6)), model, n=n, labelled=labelled,
                 theme=theme, batch_size=batch_size, on_batch=bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    with atomic_write(output) as out:
        for candidate in found.picked:
            out.write(format_record(queue_record(candidate, model), "jsonl", model.themes))
    log.ok(found.read)
    _err(f"{len(found.picked)} articles suggested in {output} (of {found.read} read; "
         f"{found.already_labelled} already labelled)")
    _finish(log, "articles")


@click.command("label")
@click.argument("queue", type=click.Path(exists=True, dir_okay=False))
@click.option("--labels", "labels_path", required=True, type=click.Path(dir_okay=False),
              help="The labelled file (JSON Lines) every answer is appended to; created if missing.")
@_model_option
@_serving_options
@click.pass_obj
@exits_cleanly()
def label(services, queue, labels_path, model_dir, host, port, no_browser, annotator, cache_dir):
    """Label the articles of QUEUE in the browser, one at a time, by keyboard.

    Every answer is appended to --labels at once and flushed to disk, in the
    format `train` reads; relabelling appends a new line (the latest line of an
    id wins). Starting again resumes at the first unlabelled article. Articles
    of QUEUE without scores (not written by `suggest`) are scored by --model.
    Stop it with Ctrl-C (exit status 130, as any interrupted command).
    """
    from .cli import _err
    from .labelling.session import open_label_session

    session = open_label_session(queue, labels_path, model_dir=model_dir, cache_dir=cache_dir,
                                 load_embedder=services.load_embedder, annotator=annotator, echo=_err)
    _serve(session, host, port, no_browser)


@click.command("review")
@click.argument("labels_path", metavar="LABELS", type=click.Path(exists=True, dir_okay=False))
@_model_option
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2),
              help="Cross-validation folds for the model's view of each label.")
@click.option("--also", multiple=True, type=click.Path(exists=True, dir_okay=False), metavar="FILE",
              help="More labelled files the cross-validation learns from (e.g. labels/*.jsonl); their labels "
                   "are neither shown nor written. Repeatable.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the labels ranked by suspicion (JSON Lines) here and exit, without serving.")
@_serving_options
@click.pass_obj
@exits_cleanly()
def review(services, labels_path, model_dir, folds, also, output, host, port, no_browser, annotator, cache_dir):
    """Re-read the most suspect labels of LABELS first, with the model's view beside them.

    Cross-validated probabilities (the model's recipe, trained without each
    article) are ranked by cleanlab's find_label_issues; the page shows the
    labels it flags first, then the rest. Corrections and confirmations are
    appended to LABELS as `label` writes them.
    """
    from .atomic import atomic_write, check_not_an_input, check_writable
    from .cli import _err
    from .labelling.session import open_review_session
    from .labelling.store import LabelStore
    from .review import rank_labels, review_record
    from .tagging import format_record

    if output:
        check_writable(output)
        check_not_an_input(output, [labels_path, *also])
    else:  # before the cross-validation: the corrections must be appendable
        check_writable(labels_path)
        store = LabelStore(labels_path, echo=_err)
    ranked = rank_labels(labels_path, model_dir=model_dir, cache_dir=cache_dir,
                         load_embedder=services.load_embedder, folds=folds, echo=_err, also=also)
    flagged = sum(r.flagged for r in ranked.items)
    _err(f"{flagged} of {len(ranked.items)} labels flagged as suspect by cleanlab")
    if output:
        with atomic_write(output) as out:
            for item in ranked.items:
                out.write(format_record(review_record(item, ranked.themes), "jsonl", ranked.themes))
        _err(f"ranked labels written to {output}")
        return
    session = open_review_session(ranked, store, annotator=annotator)
    _serve(session, host, port, no_browser)


def _serve(session, host: str, port: int, no_browser: bool) -> None:
    """Serve the page until Ctrl-C; every answer is already on disk, so stopping loses nothing."""
    import webbrowser

    from .cli import _err
    from .labelling.server import LabellingServer

    server = LabellingServer(session, host=host, port=port)
    _err(f"labelling {session.describe()}")
    _err(f"open {server.url} (Ctrl-C to stop; every answer is saved as it is given)")
    opener = None if no_browser else (lambda: webbrowser.open(server.url))
    try:
        server.run(on_started=opener)
    except KeyboardInterrupt:
        pass
    # the server runs until Ctrl-C or SIGTERM: exit as every command does when interrupted
    _err(f"stopped: {session.progress_line()}")
    sys.exit(EXIT_INTERRUPTED)
