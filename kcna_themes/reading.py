"""Read what users give: bytes under a cap, text with a fallback, rows with line numbers.

Every reader in the package comes through here: page captures and article
records (``captures.py``), labelled files (``labels.py``), the files ``tag``
writes, read back by ``--resume``, ``report`` and the Dask merge, and the Dask
shards. So one rule holds for each of these jobs, whoever reads:

- **Bytes under a cap.** An input read whole (a page capture, stdin, a tagged
  file) is read at most ``max_bytes + 1`` bytes, whatever it is: a regular file
  is refused by its size before it is opened; a pipe, a device or stdin is read
  in chunks and refused as soon as it passes the cap. Its first chunk is checked
  for binary content, so ``/dev/zero`` or ``/dev/urandom`` is refused after 64 KB.
- **Record files stream.** JSON Lines and CSV are read a line at a time; the cap
  applies to each record, and a line over it is skipped without being held.
- **Each line decodes on its own**: UTF-8, else cp1252, else latin-1. One cp1252
  line in a UTF-8 file cannot garble the others, and a shard decodes a line
  exactly as a single machine does.
- **JSON that code cannot walk is skipped**: a record nested deeper than
  ``MAX_JSON_DEPTH`` (no article needs more than two levels) is a named skip,
  never a ``RecursionError``.
- **Lone surrogates are replaced.** JSON may escape half a UTF-16 pair
  (``"\\ud800"``), which no file can hold: every such character, in any field, is
  replaced with U+FFFD and the line is noted. The record is kept, since the rest
  of its text is good; the replacement is what a UTF-8 reader shows anyway.

Problems are raised, or yielded in place of a row, as ``InputError`` naming the
file, the line and the reason; callers route them to their ``BatchLog``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

from .errors import InputError

TEXT_ENCODINGS = ("utf-8", "cp1252", "latin-1")
MAX_JSON_DEPTH = 64
# A file ``tag`` wrote is read whole (by ``report``): about 350 bytes an article, so this
# is some 700,000 articles, and the most an endless pipe can make it hold.
TAGGED_FILE_MAX_BYTES = 256_000_000
CHUNK = 1 << 16
BINARY_SNIFF_BYTES = 8192  # a NUL within a file's first this many bytes makes it binary, as git has it
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"BM")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%B %d, %Y", "%b %d, %Y", "%Y%m%d")
_SURROGATE = re.compile("[\ud800-\udfff]")

Note = Callable[[str], None]


# ------------------------------------------------------------------ dates

def parse_day(value) -> date | None:
    """A date in any spelling found in captures and records, or None.

    ``2021-01-19``, ``19/01/2021``, ``2021/01/19``, ``January 19, 2021``,
    ``Jan 19, 2021``, ``20210119`` and ISO timestamps are read; anything else is
    None, never an error (an undated article is still an article).
    """
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text or len(text) > 64:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        return None


def parse_date(value) -> str | None:
    """``parse_day`` as an ISO string (what captures and tagged records hold)."""
    day = parse_day(value)
    return day.isoformat() if day else None


# ------------------------------------------------------------------ bytes

def refuse_binary(head: bytes, path) -> None:
    """Raise ``binary file`` for data that starts like an image, archive or PDF, or holds NULs."""
    if any(head.startswith(magic) for magic in BINARY_MAGIC) or b"\x00" in head[:BINARY_SNIFF_BYTES]:
        raise InputError(path, "binary file", "not text")


def open_binary(path) -> IO[bytes]:
    """Open ``path`` for reading bytes; an unreadable file is an ``InputError``."""
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(path, "unreadable file", exc.strerror or str(exc)) from exc


def read_capped(path, max_bytes: int, stream: IO | None = None) -> bytes:
    """All bytes of ``path`` (or of ``stream``: stdin), refusing more than ``max_bytes``.

    A regular file is refused by its size unread; anything else (a pipe, a device,
    stdin) is read a chunk at a time and refused as soon as it passes the cap, or
    when its first chunk is binary, so an endless input costs one cap of memory.
    """
    if stream is not None:
        return _read_bounded(stream, path, max_bytes)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputError(path, "unreadable file", exc.strerror or str(exc)) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, "unreadable file", "a folder")
    if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
        raise InputError(path, "file too large", f"{info.st_size:,} bytes > cap of {max_bytes:,}")
    with open_binary(path) as fh:
        return _read_bounded(fh, path, max_bytes)


def _read_bounded(stream: IO, path, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        try:
            chunk = stream.read(min(CHUNK, max_bytes + 1 - total))
        except OSError as exc:
            raise InputError(path, "unreadable file", exc.strerror or str(exc)) from exc
        if not chunk:
            return b"".join(chunks)
        if isinstance(chunk, str):  # a text stream (tests, notebooks): its text as UTF-8
            chunk = chunk.encode("utf-8", "surrogatepass")
        if not chunks:
            refuse_binary(chunk, path)
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise InputError(path, "file too large", f"more than the cap of {max_bytes:,} bytes")


def decode_text(data: bytes, path) -> tuple[str, str]:
    """Decode a whole input: UTF-8 (BOM allowed), else cp1252, else latin-1.

    Returns (text, encoding). Binary data is refused.
    """
    refuse_binary(data, path)
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError(path, "undecodable text")  # pragma: no cover - latin-1 decodes anything


def decode_line(raw: bytes, first: bool = False) -> tuple[str, str]:
    """One line of a record file, decoded on its own by the same fallback as ``decode_text``."""
    for encoding in TEXT_ENCODINGS:
        try:
            return raw.decode("utf-8-sig" if encoding == "utf-8" and first else encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes anything")  # pragma: no cover


def check_head(head: bytes, path) -> None:
    """Refuse an empty or binary record file by its first bytes (``CHUNK`` of them)."""
    if not head.strip():
        raise InputError(path, "empty file")
    refuse_binary(head, path)


class _PrefixedStream(io.RawIOBase):
    """Bytes already read (``head``), then the rest of ``stream``: stdin after a peek."""

    def __init__(self, head: bytes, stream: IO):
        self._head = head
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(buffer))
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        buffer[:len(data)] = data
        return len(data)


def peek_stream(stream: IO, n: int = CHUNK) -> tuple[bytes, IO[bytes]]:
    """The first ``n`` bytes of a stream that cannot seek (stdin), and a stream reading all of it."""
    head = stream.read(n)
    if isinstance(head, str):
        head = head.encode("utf-8", "surrogatepass")
    return head, io.BufferedReader(_PrefixedStream(head, stream), CHUNK)


# ------------------------------------------------------------------ lines

class Lines:
    """Decoded lines of a binary stream, numbered, each read under a cap.

    Iterating yields each line as text. A line over ``max_bytes`` is read past in
    chunks, never held, and raised as ``record too large`` from ``next()``; the
    next ``next()`` goes on with the following line. ``n`` is the number of the
    line last read. Lines that are not UTF-8 are noted: the first by its number,
    and their count when the stream ends.
    """

    def __init__(self, fh: IO[bytes], path, max_bytes: int, note: Note | None = None, first_line: int = 1,
                 stop_line: int | None = None, complete_only: bool = False):
        self.fh = fh
        self.path = path
        self.max_bytes = max_bytes
        self.note = note
        self.n = first_line - 1
        self.stop_line = stop_line
        self.complete_only = complete_only
        self.fallbacks: dict[str, int] = {}

    def __iter__(self) -> Lines:
        return self

    def __next__(self) -> str:
        if self.stop_line is not None and self.n >= self.stop_line:
            raise StopIteration
        try:
            raw = self.fh.readline(self.max_bytes + 1)
        except OSError as exc:
            raise InputError(self.path, "unreadable file", exc.strerror or str(exc), line=self.n + 1) from exc
        if not raw or (self.complete_only and not raw.endswith(b"\n")):
            self._note_fallbacks()
            raise StopIteration
        self.n += 1
        if len(raw) > self.max_bytes:
            size = len(raw)
            while raw and not raw.endswith(b"\n"):
                raw = self.fh.readline(CHUNK)
                size += len(raw)
            raise InputError(self.path, "record too large", f"{size:,} bytes > cap of {self.max_bytes:,}",
                             line=self.n)
        text, encoding = decode_line(raw, first=self.n == 1)
        if encoding != "utf-8":
            if not self.fallbacks and self.note is not None:
                self.note(f"note {self.path}:{self.n}: not UTF-8, read as {encoding}")
            self.fallbacks[encoding] = self.fallbacks.get(encoding, 0) + 1
        return text

    def _note_fallbacks(self) -> None:
        count = sum(self.fallbacks.values())
        if count > 1 and self.note is not None:
            self.note(f"note {self.path}: {count} lines not UTF-8, read as {' or '.join(sorted(self.fallbacks))}")
        self.fallbacks = {}


# ------------------------------------------------------------------ JSON

def parse_json_line(line: str, path, n: int, note: Note | None = None) -> Any:
    """One JSON Lines line as a value; malformed or too deeply nested JSON raises ``InputError``."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(path, "malformed JSON line", exc.msg, line=n) from None
    except RecursionError:
        raise InputError(path, "JSON nested too deeply", f"more than {MAX_JSON_DEPTH} levels", line=n) from None
    value, replaced = _tidy_json(value, path, n, check_surrogates="\\u" in line or "\\U" in line)
    if replaced and note is not None:
        note(f"note {path}:{n}: {replaced} lone surrogate escape(s) replaced with U+FFFD")
    return value


def _tidy_json(value: Any, path, n: int, check_surrogates: bool) -> tuple[Any, int]:
    """Refuse nesting deeper than ``MAX_JSON_DEPTH``; replace lone surrogates. Iterative,
    so no depth can overflow the stack here."""
    def fix(text: str) -> str:
        return _SURROGATE.sub("\ufffd", text)

    replaced = 0
    if isinstance(value, str):
        if check_surrogates and _SURROGATE.search(value):
            return fix(value), 1
        return value, 0
    stack: list[tuple[Any, int]] = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise InputError(path, "JSON nested too deeply", f"more than {MAX_JSON_DEPTH} levels", line=n)
        if isinstance(node, dict):
            if check_surrogates and any(_SURROGATE.search(k) for k in node):
                for key in list(node):
                    node[fix(key)] = node.pop(key)
                replaced += 1
            items: Iterable[tuple[Any, Any]] = list(node.items())
        else:
            items = enumerate(node)
        for key, item in items:
            if isinstance(item, str):
                if check_surrogates and _SURROGATE.search(item):
                    node[key] = fix(item)
                    replaced += 1
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1))
    return value, replaced


def iter_json_lines(lines: Lines, path, note: Note | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, value or InputError) for each non-blank line."""
    for n, _, value in _json_lines(lines, path, note):
        yield n, value


def _json_lines(lines: Lines, path, note: Note | None) -> Iterator[tuple[int, str, Any]]:
    """(line number, line, value or InputError) for each non-blank line."""
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except InputError as err:
            yield err.line or lines.n, "", err
            continue
        if not line.strip():
            continue
        try:
            yield lines.n, line, parse_json_line(line, path, lines.n, note)
        except InputError as err:
            yield lines.n, line, err


def iter_jsonl(text: str, path, note: Note | None = None) -> Iterator[tuple[int, Any]]:
    """``iter_json_lines`` for a text already in memory (a whole tagged file)."""
    # split("\n"), not splitlines(): a JSON string may hold a raw U+2028
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield n, parse_json_line(line, path, n, note)
        except InputError as err:
            yield n, err


# ------------------------------------------------------------------ CSV

def allow_csv_fields(max_bytes: int) -> None:
    """Let the csv module read fields up to ``max_bytes``.

    Its default limit (131,072 characters) is far under the record cap, and the
    limit is the csv module's own process-wide setting: it is only ever raised here.
    """
    limit = min(max_bytes, 2**31 - 1)
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)


def iter_csv_rows(lines: Iterable[str], path, required: tuple[str, ...] = ("text",),
                  max_bytes: int = 1 << 26) -> Iterator[tuple[int, dict | InputError]]:
    """(line number, row) for each CSV row; a file without a required column raises.

    A row that cannot be parsed, or holds a field over the cap, is yielded as an
    ``InputError`` and reading goes on with the next line.
    """
    allow_csv_fields(max_bytes)
    reader = csv.DictReader(lines)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise InputError(path, "malformed CSV header", str(exc)) from None
    missing = [col for col in required if col not in fieldnames]
    if missing:
        raise InputError(path, f"CSV without a {'/'.join(missing)} column",
                         f"columns: {', '.join(fieldnames) or 'none'}")
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except InputError as err:  # an over-long line, from ``Lines``
            yield err.line or reader.line_num, err
            continue
        except csv.Error as exc:
            reason = "record too large" if "field larger than field limit" in str(exc) else "malformed CSV row"
            yield reader.line_num, InputError(path, reason, str(exc), line=reader.line_num)
            continue
        if None in row:  # more cells than header columns
            yield reader.line_num, InputError(path, "malformed CSV row", "too many cells", line=reader.line_num)
            continue
        yield reader.line_num, row


def iter_csv(text: str, path, required: tuple[str, ...] = ("text",)) -> Iterator[tuple[int, dict | InputError]]:
    """``iter_csv_rows`` for a text already in memory (a whole tagged file)."""
    return iter_csv_rows(io.StringIO(text, newline=""), path, required, max(len(text), 1))


# ------------------------------------------------------------------ record files

def is_csv(path) -> bool:
    return Path(str(path)).suffix.lower() == ".csv"


def read_rows(fh: IO[bytes], path, max_bytes: int, note: Note | None = None, required: tuple[str, ...] = ("text",),
              first_line: int = 1, stop_line: int | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, row or InputError) from an open record file, CSV by its suffix, else JSON Lines.

    ``first_line``/``stop_line`` read lines [first_line, stop_line] of a stream
    already positioned at ``first_line`` (a Dask shard seeks there).
    """
    lines = Lines(fh, path, max_bytes, note, first_line, stop_line)
    if is_csv(path):
        return iter_csv_rows(lines, path, required, max_bytes)
    return iter_json_lines(lines, path, note)


def stream_rows(path, max_bytes: int, note: Note | None = None, required: tuple[str, ...] = ("text",),
                offset: int = 0, first_line: int = 1, stop_line: int | None = None
                ) -> Iterator[tuple[int, Any]]:
    """(line number, row or InputError) from a .jsonl or .csv file, read a line at a time.

    Record files are archives: they are streamed, so memory stays flat, and the
    size cap applies to each record rather than to the whole file. An empty,
    binary or unreadable file raises ``InputError``. ``offset`` is the byte
    position of line ``first_line`` (from ``line_offsets``).
    """
    with open_binary(path) as fh:
        try:
            head = fh.read(CHUNK)
        except OSError as exc:
            raise InputError(path, "unreadable file", exc.strerror or str(exc)) from exc
        check_head(head, path)
        stream: IO[bytes] = fh
        if fh.seekable():
            fh.seek(offset)
        elif offset:
            raise InputError(path, "unreadable file", "a pipe or device cannot be read from the middle")
        else:  # a pipe or device named like a record file: what was read stays first
            stream = io.BufferedReader(_PrefixedStream(head, fh), CHUNK)
        yield from read_rows(stream, path, max_bytes, note, required, first_line, stop_line)


def rows_from_stream(stream: IO, path, max_bytes: int, note: Note | None = None,
                     required: tuple[str, ...] = ("text",)) -> Iterator[tuple[int, Any]]:
    """``stream_rows`` for a stream already open (stdin, bytes in memory)."""
    head, stream = peek_stream(stream)
    check_head(head, path)
    yield from read_rows(stream, path, max_bytes, note, required)


def line_offsets(path, every: int) -> tuple[int, list[int]]:
    """The number of lines of a file, and the byte offset of lines 1, every+1, 2*every+1, ..."""
    offsets: list[int] = []
    count = 0
    position = 0
    with open_binary(path) as fh:
        for raw in fh:
            if count % every == 0:
                offsets.append(position)
            count += 1
            position += len(raw)
    return count, offsets


# ------------------------------------------------------------------ tagged records

class TaggedLine(NamedTuple):
    """One complete record of a file ``tag`` wrote: its number, its text as written, and
    the parsed record (a JSON object or a CSV row), or the ``InputError`` it gave."""

    line: int
    text: str
    record: Any


def read_tagged_lines(path, fmt: str, max_bytes: int = 1 << 26, note: Note | None = None
                      ) -> tuple[list[str] | None, list[TaggedLine]]:
    """The complete records of a file ``kcna-themes tag`` wrote (``fmt`` 'jsonl' or 'csv').

    Returns the CSV header (None for JSON Lines, or an empty CSV) and the records.
    A torn last line (no newline: the run was stopped mid-write) is left out, so
    ``--resume`` re-tags that record. Blank lines are skipped.
    """
    with open_binary(path) as fh:
        lines = Lines(fh, path, max_bytes, note, complete_only=True)
        if fmt == "csv":
            return _read_tagged_csv(lines, path)
        return None, [TaggedLine(n, line, value) for n, line, value in _json_lines(lines, path, note)]


def _read_tagged_csv(lines: Lines, path) -> tuple[list[str] | None, list[TaggedLine]]:
    allow_csv_fields(lines.max_bytes)
    taken: list[str] = []

    def recorded() -> Iterator[str]:
        for line in lines:
            taken.append(line)
            yield line

    reader = csv.reader(recorded())
    out: list[TaggedLine] = []
    try:
        header = next(reader, None)
        if header is None:
            return None, []
        taken.clear()
        for cells in reader:
            text = "".join(taken)
            taken.clear()
            if cells:
                out.append(TaggedLine(reader.line_num, text, dict(zip(header, cells))))
    except csv.Error as exc:
        raise InputError(path, "malformed CSV row", str(exc), line=reader.line_num) from None
    return header, out
