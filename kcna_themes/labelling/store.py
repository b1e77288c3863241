"""The labelled file, append-only: every answer is one JSON line, flushed to disk as it is given.

A line is what ``train`` reads (``id``, ``title``, ``text``, ``themes``, and
``date``, ``source``, ``url`` when known) plus when it was given
(``labelled_at``), by which page (``via``: "label" or "review") and, when
named, by whom (``annotator``). A relabelling appends another line: the latest
line of an id wins (``labels.read_labelled``), the earlier ones are its history.

Nothing is lost when the tab is closed or the server is killed: each line is
written with one ``write`` to a file opened for appending, then flushed and
``fsync``-ed before the page is told it is saved. A line torn by a crash in
mid-write (the file not ending in a newline) was never confirmed; it is cut
off when the file is opened again, so the file stays readable by ``train``.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from ..captures import DEFAULT_MAX_BYTES, Capture
from ..errors import InputError, LabelError, OutputError
from ..labels import parse_themes
from ..reading import stream_rows

NONE = "(none)"  # not a theme name (those are lower-case letters, digits, - and _)


class LabelStore:
    """One labelled JSON Lines file, read once on opening and appended to afterwards."""

    def __init__(self, path, echo: Callable[[str], None] | None = None):
        self.path = Path(path)
        if self.path.suffix.lower() == ".csv":
            raise OutputError(f"{self.path}: labels are appended as JSON Lines; name a .jsonl file")
        self.latest: dict[str, dict] = {}  # id -> its latest line
        self._lock = threading.Lock()
        self._mend_torn_tail(echo)
        self._read()

    def _mend_torn_tail(self, echo) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot be read ({exc.strerror or exc})") from exc
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            with open(self.path, "r+b") as fh:
                fh.truncate(keep)
                os.fsync(fh.fileno())
            if echo:
                echo(f"note {self.path}: an unfinished last line ({len(data) - keep} bytes, never confirmed) "
                     "was cut off")

    def _read(self) -> None:
        """The labels already given, read as ``train`` reads a labelled file (the one reader:
        decoding, per-line caps, deep JSON); a bad line refuses the file, naming it."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return
        for n, record in stream_rows(self.path, DEFAULT_MAX_BYTES):
            if isinstance(record, InputError):
                raise LabelError(record.path, record.reason, record.detail, line=n)
            if not isinstance(record, dict) or "id" not in record or "themes" not in record:
                raise LabelError(self.path, "not a labelled article", "needs id and themes", line=n)
            record["themes"] = parse_themes(record["themes"], self.path, n)
            self.latest[str(record["id"])] = record

    def themes(self) -> list[str]:
        """Every theme of the latest labels, in order of first use."""
        return [t for t in self.counts() if t != NONE]

    def counts(self) -> Counter[str]:
        """Articles per theme over the latest labels; ``NONE`` counts articles with none."""
        counts: Counter[str] = Counter()
        for record in self.latest.values():
            counts.update(record["themes"] or [NONE])
        return counts

    def append(self, capture: Capture, themes: list[str], via: str, annotator: str | None = None) -> dict:
        """Write one label line, flushed and fsync-ed before returning it."""
        record: dict = {"id": capture.id, "title": capture.title, "date": capture.published,
                        "source": capture.source}
        if capture.url:
            record["url"] = capture.url
        record.update({"text": capture.text, "themes": list(themes),
                       "labelled_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "via": via})
        if annotator:
            record["annotator"] = annotator
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
                try:
                    os.write(fd, line)
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot append a label ({exc.strerror or exc})") from exc
            self.latest[capture.id] = record
        return record
