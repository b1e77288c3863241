"""Write output files so that an interrupted run never leaves half a file.

Everything goes to a temporary file in the target's folder and is renamed over
the target only when complete (``os.replace`` is atomic on one filesystem).
A target that exists and is not a regular file (``/dev/null``, a FIFO, a
terminal) is written to directly instead: renaming over it would replace the
device node itself. A target that is a symbolic link is written through: the
file it points to is replaced and the link stays a link, as the shell's ``>``
would leave it (renaming over the link would have turned it into a file and left
its target stale). A write that fails (a full disk) is an ``OutputError`` naming
the file; the old output stays as it was.
"""

import contextlib
import errno
import io
import os
import secrets
import stat
import sys
from collections.abc import Iterable
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
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    binary = "b" in mode
    if not is_regular_or_absent(target):
        with write_errors_named(target), open(target, mode, encoding=None if binary else encoding,
                                               newline=None if binary else newline) as direct:
            yield direct
        return
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = _create_part_file(folder, target.name)
    try:
        with write_errors_named(target):
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


# errors that only writing can cause: one of these while an output is open is the output's
# fault, whatever line raised it (reading an input never fills the disk)
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EPIPE}


@contextlib.contextmanager
def write_errors_named(target):
    """A full disk (or quota, read-only filesystem, closed pipe) becomes an ``OutputError`` naming ``target``.

    For stdout (``target`` "<stdout>") a closed pipe (``tag ... | head``) also points
    stdout at the null device, so that Python's last flush at exit cannot fail again.
    """
    try:
        yield
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS:
            raise
        if str(target) == "<stdout>":
            with contextlib.suppress(OSError, ValueError, AttributeError, io.UnsupportedOperation):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise OutputError(f"<stdout>: cannot write ({exc.strerror or exc})") from exc
        raise OutputError(f"{target}: cannot write ({exc.strerror or exc}); "
                          "the previous file, if any, is unchanged") from exc


def is_regular_or_absent(path) -> bool:
    """Whether ``path`` is a regular file or nothing yet: what an atomic rename may replace."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True
    except OSError:  # e.g. a dangling symlink's loop: let the write itself report it
        return True


def check_not_an_input(output, inputs: Iterable, option: str = "--output") -> None:
    """Refuse an output that is one of the input files: writing it would destroy the data being read.

    Compared by device and inode (``os.path.samefile``'s test), so a second name, a
    hard link or a symlink for the same file is caught too. ``inputs`` are the files
    the run will read (a folder or glob already expanded); ones that cannot be
    stat'ed are ignored here, the reader reports them.
    """
    try:
        out = os.stat(output)
    except OSError:
        return  # no such file yet: it cannot be an input of this run
    if not stat.S_ISREG(out.st_mode):
        return  # /dev/null, a FIFO: written through, nothing there to destroy
    for item in inputs:
        if str(item) == "-":
            continue
        try:
            st = os.stat(item)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino):
            shown = "" if os.path.abspath(item) == os.path.abspath(output) else f" (as {item})"
            raise OutputError(f"{output}: {option} is also one of the inputs{shown}; "
                              "writing it would destroy what is being read, choose another file")


def check_writable(path) -> None:
    """Fail early, before any work, when ``path`` cannot be written."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder, not a file")
    if not is_regular_or_absent(target):  # written through, not renamed over: its folder does not matter
        if not os.access(target, os.W_OK):
            raise OutputError(f"{target}: permission denied")
        return
    if not folder.is_dir():
        raise OutputError(f"{target}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise OutputError(f"{target}: permission denied")
