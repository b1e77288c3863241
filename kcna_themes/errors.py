"""Exceptions raised by the library.

The library never prints or exits; it raises these, and the CLI turns them into
one clean line on stderr and an exit status (see ``cli.py``).
"""

import os
import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(name) -> str:
    """A file name (or any text) as text that every output can hold.

    A name that is not valid UTF-8 (a latin-1 ``café.txt``) reaches Python with its
    undecodable bytes as lone surrogates, which no UTF-8 file or terminal can
    take; each is shown as U+FFFD instead.
    """
    text = os.fsdecode(name) if isinstance(name, (bytes, os.PathLike)) else str(name)
    return _SURROGATE.sub("\ufffd", text)


class KcnaThemesError(Exception):
    """Base class for every error the library raises on purpose."""


class InputError(KcnaThemesError):
    """One input (a file, or a line of one) cannot be used.

    ``reason`` is a short, stable phrase used to count skips by kind in a
    batch summary; ``str(err)`` is the full message naming the file and line.
    ``stopped_strict`` is set when a ``--strict`` batch raised it instead of
    skipping it, so the message can say why the run stopped.
    """

    stopped_strict = False

    def __init__(self, path, reason: str, detail: str = "", line: int | None = None):
        self.path = printable(path)
        self.reason = reason
        self.detail = detail
        self.line = line
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}" + (f" ({detail})" if detail else ""))


class LabelError(InputError):
    """A labelled file breaks the rules for training data (unknown theme, ...)."""


class ModelError(KcnaThemesError):
    """A model folder is missing, corrupt, or does not fit this embedder or version."""


class OutputError(KcnaThemesError):
    """An output file cannot be written."""


class MixedModelsError(KcnaThemesError):
    """Inputs were tagged by different models (or theme sets): counts cannot be added."""


class EmptyInputError(KcnaThemesError):
    """No usable tagged article in the input."""


class ReportOptionError(KcnaThemesError):
    """An option value that cannot be used with this input (a usage error for the CLI)."""
