"""Exit statuses, and the one decorator that turns errors into them for every command.

0: every input was processed. 1: some input was skipped (each named on stderr), or
--strict stopped at the first bad one. 2: a usage error, or a model or output that
cannot be used, or anything unexpected. 130: interrupted (Ctrl-C).

Every command of the command line is wrapped in ``exits_cleanly``, so no library
error and no bug ever reaches a user as a traceback: a library error is one line,
and anything else is one line naming the input being processed, with the full
traceback kept in a file (``crash``) or shown with ``kcna-themes --debug``.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click

from . import crash
from .errors import InputError, KcnaThemesError, ModelError, OutputError

EXIT_SKIPPED = 1
EXIT_UNUSABLE = 2
EXIT_INTERRUPTED = 130


def _err(message: str) -> None:
    click.echo(message, err=True)


@contextmanager
def exits_cleanly():
    """Use as ``@exits_cleanly()`` on a command (or ``with exits_cleanly():`` around a step)."""
    try:
        yield
    except (ModelError, OutputError) as exc:
        _err(f"Error: {exc}")
        sys.exit(EXIT_UNUSABLE)
    except InputError as exc:  # --strict stopped at it, or an input the command cannot do without
        _err(f"Error: {exc}")
        if exc.stopped_strict:
            _err("stopped at the first bad input (--strict)")
        sys.exit(EXIT_SKIPPED)
    except KcnaThemesError as exc:
        _err(f"Error: {exc}")
        sys.exit(EXIT_UNUSABLE)
    except KeyboardInterrupt:  # before any output was begun: nothing to keep
        _err("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as exc:  # the last resort: a bug still gets one line, exit 2, the traceback kept
        if crash.debug_requested():
            raise
        _err(crash.describe_unexpected(exc))
        sys.exit(EXIT_UNUSABLE)
