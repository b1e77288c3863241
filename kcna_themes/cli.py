"""The ``kcna-themes`` command line: parse, call the library, print.

Exit status: 0 when every input was processed, 1 when any input was skipped,
2 for usage errors and a model or output that cannot be used, 130 when
interrupted (Ctrl-C).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__, embedding
from .atomic import atomic_write, check_not_an_input, check_writable, is_regular_or_absent, write_errors_named
from .batch import BatchLog
from .captures import DEFAULT_MAX_BYTES, expand_inputs, read_captures
from .exits import EXIT_INTERRUPTED, EXIT_SKIPPED, exits_cleanly
from .label_cli import label, review, suggest
from .metadata import default_model_dir
from .report_cli import report

if TYPE_CHECKING:  # pragma: no cover  (the model module imports scikit-learn)
    from .model import ThemeModel



def _err(message: str) -> None:
    click.echo(message, err=True)


class _NothingTagged(Exception):
    """Raised inside the atomic write to drop it: the run tagged nothing, the old output stays."""


def _finish(log: BatchLog, noun: str) -> None:
    _err(log.summary(noun))
    sys.exit(EXIT_SKIPPED if log.n_skipped else 0)


def _progress(quiet: bool, unit: str):
    """A tqdm bar on stderr, or None when stderr is not a terminal or --quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=unit, file=sys.stderr, dynamic_ncols=True)


def _check_encoder_build(model: ThemeModel, embedder: embedding.Embedder, log: BatchLog) -> None:
    """Say so when this machine's encoder build is not byte-identical to the training one.

    The recipe (model, backend, window) is already checked; the build can still differ
    with other torch/onnxruntime versions, and the int8 encoder's vectors with the CPU's
    int8 kernels (``encoders.int8_kernels``). Either moves scores a little, and an
    article near a threshold can gain or lose a theme.
    """
    trained_with = model.metadata.embedder.encoder_sha256
    built = getattr(embedder, "fingerprint", None)
    if trained_with and built and built != trained_with:
        log.note(f"note: this machine's build of the encoder ({built[:12]}) differs from the one the model "
                 f"was trained with ({trained_with[:12]}); scores may differ slightly")
    trained_on = model.metadata.embedder.encoder_kernels
    here = getattr(embedding.innermost(embedder), "kernels", None)
    if trained_on and here and here != trained_on:
        log.note(f"note: this CPU's int8 kernels ({here}) are not those the model was trained on ({trained_on}); "
                 f"scores may differ by a few hundredths, and an article near a threshold can gain or lose a theme")


def _not_nan(ctx, param, value):
    """click's FloatRange lets nan through (every comparison with nan is false)."""
    if value is not None and value != value:
        raise click.BadParameter("nan is not a number in the range")
    return value


model_option = click.option("--model", "model_dir", type=click.Path(file_okay=False),
                            help="Model folder. Default: the shipped model.")
cache_option = click.option("--cache-dir", type=click.Path(file_okay=False), envvar="KCNA_THEMES_CACHE",
                            help="Where embeddings (and the built encoder) are cached. "
                                 "Default: $KCNA_THEMES_CACHE or ~/.cache/kcna-themes.")
strict_option = click.option("--strict", is_flag=True, help="Stop at the first bad input instead of skipping it.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
trust_pickle_option = click.option(
    "--trust-pickle", is_flag=True,
    help="Load a model folder of kcna-themes 0.x, whose classifier is a pickle. A pickle can run any code "
         "when loaded: use this only for a folder from a source you trust. Newer folders never need it.")
embedder_option = click.option("--embedder", default=None, metavar="PATH_OR_NAME",
                               help="A sentence-transformers model folder or locally cached name. "
                                    "Default: the one the model was trained with.")


@dataclass
class Services:
    """What the commands build on, passed in through click's ``obj``.

    A program (or a test) that runs the command line with its own embedder passes
    ``obj=Services(load_embedder=...)`` to ``cli.main`` or ``CliRunner.invoke``,
    instead of patching a module attribute that a direct import would bypass.
    """

    load_embedder: Callable[..., embedding.Embedder] = embedding.load_embedder


@click.group()
@click.version_option(__version__, prog_name="kcna-themes")
@click.option("--debug", is_flag=True, help="On an unexpected error, show the full traceback instead of one line.")
@click.pass_context
def cli(ctx: click.Context, debug: bool):
    """Tag North Korean state-media articles with propaganda themes.

    Themes (the codebook, with its rulings on hard cases: kcna-themes codebook):
    leader, construction, agriculture, sport, heritage, diplomacy; an article may
    have several, or none.

    Exit status: 0 all inputs processed, 1 some inputs skipped (each named on
    stderr), 2 usage error or a model/output that cannot be used, 130
    interrupted (Ctrl-C; complete records are kept, continue with --resume).
    """
    # the command line is the caller that knows no model hub is needed: the bundled
    # encoder is read from disk, and nothing may be fetched at run time
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    ctx.ensure_object(Services)


@cli.command()
@exits_cleanly()
def codebook():
    """Print the theme codebook: the six themes and the rulings on hard cases."""
    from importlib.resources import files

    click.echo(files("kcna_themes").joinpath("codebook.md").read_text(encoding="utf-8"))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@model_option
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write here (atomically). Default: stdout.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Output format. Default: from the --output suffix, else jsonl.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: keep the records already in "
                                             "--output and tag only the captures not in it.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1),
              help="Captures embedded at a time.")
@click.option("--max-size", default=DEFAULT_MAX_BYTES / 1e6, show_default=True,
              type=click.FloatRange(min=0, min_open=True, max=100_000), callback=_not_nan,
              help="Skip input files larger than this many MB.")
@click.option("--explain", is_flag=True, help="Add an explanation to each record, as kcna-themes explain gives "
                                              "it (JSON Lines only). The themes and scores stay the same.")
@embedder_option
@cache_option
@click.option("--no-cache", is_flag=True, help="Embed everything afresh; read and write no cache.")
@trust_pickle_option
@strict_option
@quiet_option
@click.pass_obj
@exits_cleanly()
def tag(services: Services, inputs, model_dir, output, fmt, resume, batch_size, max_size, explain, embedder, cache_dir,
        no_cache, trust_pickle, strict, quiet):
    """Tag captures with themes and confidence scores.

    INPUTS are capture files (.txt page captures, saved .html pages), article
    records (.jsonl/.csv with at least a text column), folders (read
    recursively), glob patterns, or - for stdin.

    One record per article: id, title, published, source, path, themes (over
    the model's thresholds, strongest first) and scores (every theme's
    probability), plus the id of the model that scored it, and duplicate_of: the
    id of the first occurrence of the same story in the run, or null.
    """
    from . import tagging

    log = BatchLog(strict=strict, echo=_err)
    fmt = fmt or ("csv" if output and output.lower().endswith(".csv") else "jsonl")
    if resume and not output:
        raise click.UsageError("--resume needs --output")
    if resume and not is_regular_or_absent(output):
        raise click.UsageError(f"--resume reads back what {output} holds, and it is not a regular file (a pipe "
                               "or a device keeps nothing to read back): tag into a file to resume")
    if explain and fmt == "csv":
        raise click.UsageError("--explain writes JSON Lines only: an explanation is nested (sentences, terms, "
                               "neighbours) and has no honest CSV column; use --format jsonl")
    if output:
        check_writable(output)
        # the same expansion the reader makes (its skips are reported once, by the reader)
        check_not_an_input(output, expand_inputs(inputs, BatchLog()))
    model, emb = tagging.load_tagger(model_dir, embedder, cache_dir, use_cache=not no_cache,
                                     load_embedder=services.load_embedder, trust_pickle=trust_pickle)
    done_lines, done_ids = tagging.read_done(Path(output), fmt, model) if resume else ([], set())
    explain_batch = None
    if explain:
        from .explain import explainer_for

        explain_batch = explainer_for(model).explain
    # the records already written are read again, only to seed the near-duplicate marking
    captures = read_captures(inputs, log, int(max_size * 1e6))
    bar = _progress(quiet, "article")
    written = len(done_lines)
    # Ctrl-C and SIGTERM stop the run cleanly, even where the shell started us with SIGINT ignored
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    def count(n: int) -> None:
        nonlocal written
        written += n
        log.ok(n)
        if bar is not None:
            bar.update(n)

    def write_all(out):
        out.write(tagging.header_line(fmt, model.themes))
        out.writelines(done_lines)
        tagging.write_tagged(captures, model, out, fmt, batch_size, on_batch=count, done_ids=done_ids,
                             explain=explain_batch)
        if not written and output and os.path.exists(output):
            raise _NothingTagged  # every input was skipped: an empty run must not empty the last output

    try:
        if output:
            with atomic_write(output, newline="", keep_on_interrupt=True) as out:
                write_all(out)
        else:
            with write_errors_named("<stdout>"):
                write_all(sys.stdout)
    except _NothingTagged:
        _err(f"nothing was tagged; {output} is left as it was")
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
        _err(f"interrupted: {written} records kept" + (f" in {output}" if output else ""))
        if output:
            _err("to continue, run the same command again with --resume")
        sys.exit(EXIT_INTERRUPTED)
    if bar is not None:
        bar.close()
    if resume:
        _err(f"resumed: {len(done_ids)} records were already in {output}")
    hits, misses = getattr(emb, "hits", None), getattr(emb, "misses", None)
    if hits is not None and not quiet:
        _err(f"embeddings: {hits} from cache, {misses} computed")
    if getattr(emb, "misses", 1) and not embedder:  # the encoder was loaded: compare its build
        _check_encoder_build(model, emb, log)
    _finish(log, "captures")


def _untested(scores: dict) -> list[str]:
    """The themes ``theme_scores`` left out of macro-F1: no example among the articles."""
    return [t for t in scores["per_theme"] if t not in scores["macro_themes"]]


def _print_scores(scores: dict, title: str) -> None:
    click.echo(title)
    click.echo(f"  {'theme':<14}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}")
    for theme, s in scores["per_theme"].items():
        if s["support"]:
            click.echo(f"  {theme:<14}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>7.3f}{s['support']:>9}")
        else:  # nothing to find: only its false positives say anything
            tagged = f"{s['fp']} tagged, all wrongly" if s["fp"] else "none tagged"
            click.echo(f"  {theme:<14}{'-':>10}{'-':>8}{'-':>7}{0:>9}   ({tagged})")
    untested = _untested(scores)
    click.echo(f"  {'macro-F1':<14}{scores['macro_f1']:>25.3f}   (n={scores['n']}"
               + (f"; without {', '.join(untested)}: no example here)" if untested else ")"))
    if "calibration_error" in scores:  # how far the scores stray from the share of articles they promise
        click.echo(f"  {'ECE':<14}{scores['calibration_error']:>25.3f}   (expected calibration error, all scores)")


@cli.command()
@click.argument("labels", nargs=-1, required=True)
@model_option
@click.option("--embedder", default="default", show_default=True, metavar="PATH_OR_NAME",
              help="Sentence-transformers model: 'default' (bundled all-MiniLM-L6-v2), a folder, or a cached name.")
@click.option("--backend", type=click.Choice(embedding.BACKENDS), default="onnx-int8", show_default=True,
              help="Encoder runtime. onnx-int8 is the fastest, but its vectors, and so scores, differ a little "
                   "between CPUs; onnx-fp32 gives the same scores on every machine, more slowly. "
                   "Tagging must use the same one; the model records it.")
@click.option("--long-text", type=click.Choice(["truncate", "chunk"]), default="truncate", show_default=True,
              help="Texts over the encoder's window: cut them (the lexical features still read the whole "
                   "text), or average embeddings of ~160-word pieces.")
@click.option("--max-tokens", type=click.IntRange(min=0), default=64, show_default=True,
              help="Encoder window in tokens (0: the model's own, 256 for the bundled model). Held out, 64 "
                   "scored as 128 did (the lexical features read the whole text, the headline has its "
                   "own vector), and encodes twice as fast as 128.")
@click.option("--headline/--no-headline", default=True, show_default=True,
              help="Embed the headline (the title, or a bare capture's first paragraph) apart as well, and set "
                   "its vector beside the article's.")
@click.option("--thresholds-from", type=click.Choice(["all", "random"]), default="all", show_default=True,
              help="Choose each theme's threshold on every labelled article, or on the labelled random samples "
                   "of real output only (sample 'random:<era>'). Held out, 'all' did as well on average and "
                   "better on 2024, whose output has far more construction than the older eras' samples.")
@click.option("--threshold-rule", type=click.Choice(["half-f1", "best-f1"]), default="half-f1", show_default=True,
              help="Each theme's threshold from its out-of-fold scores: half the best F1 they reach (the best "
                   "cut-off for calibrated probabilities; held out, better on 2011 and 2015-2017), or the "
                   "cut-off that reaches it.")
@click.option("--digest-rule/--no-digest-rule", default=True, show_default=True,
              help="Score a digest (a 'Press Review', a list of one-line items) zero on every theme, as the "
                   "codebook's ruling 11 has it.")
@click.option("--world-news-rule/--no-world-news-rule", default=True, show_default=True,
              help="Score world news, an article that names nothing of the DPRK (no state, leader, party, "
                   "province, city, mountain or river of it), zero on every theme, as the codebook's ruling 6 "
                   "has it.")
@click.option("--dateline/--no-dateline", "read_dateline", default=False, show_default=True,
              help="Let the learned features (embedding, terms, who acts) read KCNA's dateline ('Pyongyang, "
                   "January 21 (KCNA) --'). By default they read each article without it, as other outlets and "
                   "2011's KCNA print theirs; the rulings read it either way. Held out, reading without it "
                   "lifted 2011 and 2024 and cost 2015-2017.")
@click.option("--lexical-dims", default=256, show_default=True, type=click.IntRange(min=0),
              help="Size of the TF-IDF/SVD features set beside the embedding (0: embeddings only).")
@click.option("--headline-terms", default=3000, show_default=True, type=click.IntRange(min=0),
              help="Vocabulary of the headline's own words and bigrams, set beside the rest as TF-IDF rows "
                   "(0: none). Held out, they lifted 2011 and 2015-2017 and left 2017 and 2024 where they were.")
@click.option("--lead-terms", default=3000, show_default=True, type=click.IntRange(min=0),
              help="Vocabulary of the lead sentence's own words and bigrams, read by leader beside who acts "
                   "(0: none). Held out, they lifted leader on 2024.")
@click.option("--C", "C", default=16.0, show_default=True, type=click.FloatRange(min=0, min_open=True, max=1e6),
              callback=_not_nan, help="Inverse regularisation strength.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2),
              help="Cross-validation folds for the reported scores.")
@click.option("--jobs", default=1, show_default=True, type=click.IntRange(min=1),
              help="Cross-validation folds fitted at once (processes).")
@cache_option
@strict_option
@quiet_option
@click.pass_obj
@exits_cleanly()
def train(services: Services, labels, model_dir, embedder, backend, long_text, max_tokens, headline, thresholds_from,
          threshold_rule, digest_rule, world_news_rule, read_dateline, lexical_dims, headline_terms, lead_terms, C,
          folds, jobs, cache_dir, strict, quiet):
    """Train a model folder from labelled articles.

    LABELS are .jsonl/.csv files with title, text and themes (a list, or
    ';'-separated in CSV; empty for none of the six). A file with a malformed
    line, an empty text, a duplicate id or an unknown theme is refused, naming
    each bad line. Prints cross-validated precision, recall and F1 per theme.

    The latest line wins: within one file, a later line with the same id and
    the same text relabels the article (kcna-themes label appends so), and the
    earlier lines are its history. The same id with another text, or in two
    files, is a duplicate id.
    """
    from .training import train_model

    log = BatchLog(strict=strict, echo=_err)
    folder = Path(model_dir) if model_dir else default_model_dir()
    emb = services.load_embedder(embedder, backend=backend, long_text=long_text, max_tokens=max_tokens or None,
                                 cache_dir=cache_dir, headline=headline)
    bar = _progress(quiet, "article")
    model, scores = train_model(labels, folder, emb, log, C=C, lexical_dims=lexical_dims,
                                headline_terms=headline_terms, lead_terms=lead_terms, folds=folds,
                                progress=bar.update if bar is not None else None,
                                thresholds_from=thresholds_from, threshold_rule=threshold_rule,
                                digest_rule=digest_rule, world_news_rule=world_news_rule,
                                read_dateline=read_dateline, n_jobs=jobs)
    if bar is not None:
        bar.close()
    _print_scores(scores, f"{folds}-fold cross-validation on {model.metadata.training['size']} articles:")
    if "random_sample" in scores:
        _print_scores(scores["random_sample"], "the same, on the random samples only:")
    for era, era_scores in scores.get("random_sample_by_era", {}).items():
        _print_scores(era_scores, f"the same, on the random sample of {era}:")
    click.echo(f"model written to {folder}")
    _finish(log, "labelled articles")


@cli.command()
@click.argument("labels", nargs=-1, required=True)
@model_option
@embedder_option
@cache_option
@trust_pickle_option
@strict_option
@quiet_option
@click.option("--include-trained", is_flag=True,
              help="Score the articles the model was trained on too (found by their text); by default they "
                   "are left out, since scores on them flatter it.")
@click.pass_obj
@exits_cleanly()
def evaluate(services: Services, labels, model_dir, embedder, cache_dir, trust_pickle, strict, quiet,
             include_trained):
    """Score a model on held-out labelled articles.

    Prints precision, recall, F1 and support per theme, and macro-F1. Articles
    the model was trained on (the same text as one of its labelled set, whatever
    the id) would flatter it: they are left out, and counted on stderr.
    """
    from .tagging import load_tagger
    from .training import MIN_ARTICLES_A_YEAR, evaluate_model

    log = BatchLog(strict=strict, echo=_err)
    model, _ = load_tagger(model_dir, embedder, cache_dir, load_embedder=services.load_embedder,
                           trust_pickle=trust_pickle)
    bar = _progress(quiet, "article")
    scores = evaluate_model(labels, model, log, progress=bar.update if bar is not None else None,
                            include_trained=include_trained)
    if bar is not None:
        bar.close()
    _print_scores(scores, f"evaluation of {model.path} on {scores['n']} labelled articles:")
    if scores["by_year"]:
        click.echo(f"by year (those with {MIN_ARTICLES_A_YEAR} articles or more):")
        for year, s in scores["by_year"].items():
            untested = _untested(s)
            click.echo(f"  {year:<8}n={s['n']:<6}macro-F1 {s['macro_f1']:.3f}   ECE {s['calibration_error']:.3f}"
                       + (f"   (without {', '.join(untested)}: no example)" if untested else ""))
    if scores["n_trained"] is None:
        _err("note: this model folder has no labelled-set index, so whether it was trained on these articles "
             "cannot be told; scores on articles it was trained on flatter it")
    elif scores["n_trained"]:
        _err(f"note: the model was trained on {scores['n_trained']} of these articles (the same text); "
             + ("they are included, and flatter these figures" if include_trained
                else "they are left out of these figures (--include-trained scores them too)"))
    _finish(log, "labelled articles")


cli.add_command(report)
cli.add_command(suggest)
cli.add_command(label)
cli.add_command(review)

from .explain_cli import explain  # noqa: E402  (it builds on the options and services above)

cli.add_command(explain)


def main():  # pragma: no cover
    cli()
