"""Write output files so that an interrupted run never leaves half a file.

Everything goes to a temporary file in the target's folder and is renamed over
the target only when complete (``os.replace`` is atomic on one filesystem).
"""

import contextlib
import os
import secrets
from pathlib import Path

from .errors import OutputError


def _create_part_file(folder: Path, name: str) -> tuple[int, str]:
    """A new, unique ``.NAME.*.part`` file with a normal file's mode (0666 less the umask).

    Created with ``os.open`` and mode 0o666, so the kernel applies the umask: reading
    the umask would mean setting it, which races with other threads.
    """
    for _ in range(100):
        tmp = str(folder / f".{name}.{secrets.token_hex(6)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), tmp
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"{folder / name}: cannot write here ({exc.strerror or exc})") from exc
    raise OutputError(f"{folder / name}: cannot create a temporary file beside it")


@contextlib.contextmanager
def atomic_write(path, mode: str = "w", encoding: str | None = "utf-8", newline: str | None = None,
                 keep_on_interrupt: bool = False):
    """Open a temp file beside ``path``; on clean exit rename it over ``path``.

    On an exception the temp file is removed and ``path`` keeps whatever it held
    before. With ``keep_on_interrupt``, a KeyboardInterrupt instead publishes what
    was written so far: for outputs written a whole record at a time, so an
    interrupted batch keeps its complete records and can be resumed.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = _create_part_file(folder, target.name)
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding,
                       newline=None if binary else newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except KeyboardInterrupt:
        if keep_on_interrupt:  # the with-block has closed (and so flushed) the file
            os.replace(tmp, target)
        else:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_writable(path) -> None:
    """Fail early, before any work, when ``path`` cannot be written."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder, not a file")
    if not folder.is_dir():
        raise OutputError(f"{target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(f"{target}: permission denied")
