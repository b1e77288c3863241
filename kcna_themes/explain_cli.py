"""The ``kcna-themes explain`` command (registered with ``cli.add_command(explain)``).

It tags its inputs exactly as ``tag`` does (the same reader, the same loop) and adds
each record's ``explanation``; this module only parses options and prints. The work
is in ``explain``.
"""

from __future__ import annotations

import json
import os
import sys

import click

from . import cli as base
from .batch import BatchLog
from .captures import DEFAULT_MAX_BYTES, read_captures
from .exits import exits_cleanly

# (the type: ignore comments: mypy cannot infer the option decorators' types across the
# import cycle of cli.py registering this command; click's own types are checked in cli.py)


def use_color() -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (no-color.org)."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@base.model_option  # type: ignore[has-type]
@click.option("--theme", "themes", multiple=True, metavar="THEME",
              help="Explain this theme too, tagged or not (repeatable). Default: the themes tagged.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: for reading in a terminal; json: one object per line, a tag record with its "
                   "explanation.")
@click.option("--batch-size", default=64, show_default=True, help="Captures explained at a time.")
@click.option("--max-size", default=DEFAULT_MAX_BYTES / 1e6, show_default=True,
              help="Skip input files larger than this many MB.")
@base.embedder_option  # type: ignore[has-type]
@base.cache_option  # type: ignore[has-type]
@base.trust_pickle_option  # type: ignore[has-type]
@base.strict_option  # type: ignore[has-type]
@click.pass_obj
@exits_cleanly()
def explain(services: base.Services, inputs, model_dir, themes, fmt, batch_size, max_size, embedder, cache_dir,
            trust_pickle, strict):
    """Say why each capture got its themes.

    INPUTS are read as by tag. For every theme tagged, and every --theme: its
    score and threshold, its log-odds before calibration split by kind of
    evidence (embedding, terms, headline terms and, for leader, who acts and
    lead terms), the two sentences that carry it most (each scored by the model
    on its own), the words and bigrams that pushed it most (+ towards the
    theme, - away) in the whole text, the headline and the lead; then the 3
    nearest labelled articles with their themes.
    Explaining changes no score: the themes and scores are those tag gives.
    """
    from . import tagging
    from .explain import explainer_for, format_text

    log = BatchLog(strict=strict, echo=base._err)
    model, _ = tagging.load_tagger(model_dir, embedder, cache_dir, load_embedder=services.load_embedder,
                                   trust_pickle=trust_pickle)
    unknown = [t for t in themes if t not in model.themes]
    if unknown:
        raise click.UsageError(f"unknown theme {', '.join(unknown)}: this model's themes are "
                               f"{', '.join(model.themes)}")
    explainer = explainer_for(model)
    color = use_color()
    captures = read_captures(inputs, log, int(max_size * 1e6))
    for records in tagging.tag_stream(captures, model, batch_size, explain=lambda caps, probs, vectors:
                                      explainer.explain(caps, probs, vectors, asked=themes)):
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False) if fmt == "json" else format_text(record, color))
        log.ok(len(records))
    base._finish(log, "captures")
