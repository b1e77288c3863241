"""The last resort: an exception nobody expected becomes one line, not a traceback.

Every error the library means to raise is a ``KcnaThemesError`` and has its own
message and exit status. Anything else is a bug (or a case nobody foresaw), and
a user still deserves one line saying what failed and where, and an exit status
of 2. The full traceback is not thrown away: it is written to a file under the
cache folder (``crashes/``) whose name the line gives, and ``kcna-themes --debug
COMMAND ...`` shows it on the terminal instead.

Where: the file and record being processed are found by walking the traceback
from the innermost frame of this package outwards, looking for the names the
readers use (a ``Capture`` or a batch of them, else ``path`` and ``line``/``n``).
That costs the readers nothing while all is well; it is a best effort, and the
line says so by saying nothing when it finds nothing.
"""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from pathlib import Path
from types import TracebackType

_LINE_NAMES = ("line", "n", "line_num", "lineno")


def _capture_where(value) -> str | None:
    path, line = getattr(value, "path", None), getattr(value, "line", None)
    if path is None or not hasattr(value, "embed_text"):
        return None
    return f"{path}:{line}" if isinstance(line, int) else str(path)


def _frame_where(local: dict) -> str | None:
    # the batch first: a loop variable naming one capture may be left over from the last batch
    batch = local.get("batch")
    if isinstance(batch, list) and batch and (first := _capture_where(batch[0])) is not None:
        return f"a batch of {len(batch)} records from {first}" if len(batch) > 1 else first
    for name in ("capture", "cap", "c"):
        if (where := _capture_where(local.get(name))) is not None:
            return where
    path = local.get("path")
    if isinstance(path, (str, os.PathLike)) and str(path):
        line = next((local[n] for n in _LINE_NAMES if isinstance(local.get(n), int)), None)
        return f"{os.fsdecode(path)}:{line}" if line is not None else os.fsdecode(path)
    return None


def where_it_failed(tb: TracebackType | None) -> str | None:
    """The input being processed when ``tb`` was raised, as ``file:line``, or None."""
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):
        if not str(frame.f_globals.get("__name__", "")).startswith("kcna_themes"):
            continue
        where = _frame_where(frame.f_locals)
        if where is not None:
            return where
    return None


def _crash_folder() -> Path:
    from .embedding import default_cache_dir

    return default_cache_dir() / "crashes"


def save_traceback(exc: BaseException) -> Path | None:
    """Write ``exc``'s full traceback to a new file under the cache folder (else the temp folder)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    name = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}.txt"
    for folder in (_crash_folder(), Path(tempfile.gettempdir()) / "kcna-themes-crashes"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            path.write_text(text, encoding="utf-8", errors="backslashreplace")
            return path
        except OSError:
            continue
    return None


def describe_unexpected(exc: BaseException) -> str:
    """One line for a user: what went wrong, on which input, and where the traceback is."""
    detail = str(exc).splitlines()[0][:200] if str(exc).strip() else ""
    what = type(exc).__name__ + (f": {detail}" if detail else "")
    where = where_it_failed(exc.__traceback__)
    saved = save_traceback(exc)
    kept = f"the traceback is in {saved}" if saved else "the traceback could not be saved"
    line = (f"Error: unexpected {what}" + (f" while processing {where}" if where else "")
            + f"; {kept} (or rerun with kcna-themes --debug ...)")
    return line.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate must not crash this too


def debug_requested() -> bool:
    """Whether the command line was given ``--debug`` (read from click's root context)."""
    import click

    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().params.get("debug"))
