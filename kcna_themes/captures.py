"""Read what users feed in (page captures, article records, saved HTML) as ``Capture``s.

A capture's ``text`` is the article body only. Page captures end with a
"More From <outlet>" list of *other* articles' teasers and dates; that list is
cut off here, once, so it can never reach the classifier.

Problems with one input never stop a batch: they are raised as ``InputError``
inside the readers and routed to the caller's ``BatchLog`` by ``read_captures``.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

from .batch import BatchLog
from .errors import InputError, printable
from .reading import decode_text, parse_date, peek_stream, read_capped, rows_from_stream, stream_rows

DEFAULT_MAX_BYTES = 5_000_000
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

# Outlet names as they appear in captures, mapped to the name users report by.
OUTLETS = {
    "kcna": "KCNA",
    "kcna.kp": "KCNA",
    "naenara": "Naenara",
    "voice of korea": "Voice of Korea",
    "vok": "Voice of Korea",
    "rodong sinmun": "Rodong Sinmun",
    "rodong.rep.kp": "Rodong Sinmun",
    "pyongyang times": "Pyongyang Times",
}

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_CAPTURE_DATE = re.compile(rf"^\s*((?:{MONTHS}) \d{{1,2}}, \d{{4}})")
_DATE_SOURCE = re.compile(r"^\s*Date:\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*\|\s*Source:\s*([^|]+?)\s*(?:\||$)")
_MORE_FROM = re.compile(r"^\s*More From\s+(.{1,80}?)\s*$")
_DATE_ONLY = re.compile(rf"^\s*(?:{MONTHS}) \d{{1,2}}, \d{{4}}\s*$")
_SENTENCE_END = re.compile(r"""([.!?:;]["'”’)\]]*|-0-|["”’])\s*$""")
_END_MARK = re.compile(r"\s*-0-\s*$")
_LEADER_NAME = r"(Kim (?:Il Sung|Jong Il|Jong Un|Jong Suk))"
_GLUED_BEFORE_NAME = re.compile(rf"(?<=[^\W_]){_LEADER_NAME}")
_GLUED_AFTER_NAME = re.compile(rf"{_LEADER_NAME}(?=[^\W\d_])")
DATELINE = re.compile(r"^\s*.{0,80}?\(KCNA\)\s*--\s*")  # "Pyongyang, January 21 (KCNA) -- "


@dataclass
class Capture:
    """One article, ready to embed. ``text`` never holds teaser-list lines."""

    id: str
    text: str
    title: str | None = None
    published: str | None = None
    source: str | None = None
    captured: str | None = None
    path: str | None = None
    line: int | None = None
    url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def embed_text(self) -> str:
        """What the classifier reads (embedding and lexical features): title and body,
        with the leaders' names set apart from the words they are glued to."""
        return classifier_text(self.text, self.title)

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- text helpers

def classifier_text(text: str, title: str | None = None) -> str:
    """What the classifier reads of an article: its title, a newline, its body, names mended.

    The first line is the headline that ``HeadlineEmbedder`` embeds apart.
    """
    return mend_glued_names(f"{title}\n{text}" if title else text)


def without_dateline(text: str) -> str:
    """A classifier text (``classifier_text``) without KCNA's dateline ("Pyongyang,
    January 21 (KCNA) -- ") at the start of its body, or of its first line when a bare
    capture starts with it.

    The dateline says where and when a report was filed, never what it is about, and
    only some outlets and eras carry it: almost every KCNA article of 2015-2017 and
    2024 does, and no article of the 2011 corpus, Naenara or Rodong Sinmun. A model
    whose features read it learns that format along with the era's mix of themes.
    """
    head, newline, body = text.partition("\n")
    if DATELINE.match(head):
        return DATELINE.sub("", head, count=1) + newline + body
    return head + newline + DATELINE.sub("", body, count=1)


def mend_glued_names(text: str) -> str:
    """Put back the spaces KCNA's current site loses around the leaders' names.

    kcna.kp sets the leaders' names in their own typeface, and text copied or scraped
    from it glues them to their neighbours: "the respected ComradeKim Jong Unvisited
    the site". Half of its 2024 articles read so, and the encoder and the lexical
    features then never see the name (benchmarks/README.md measures what that costs).
    """
    text = _GLUED_BEFORE_NAME.sub(r" \1", text)
    return _GLUED_AFTER_NAME.sub(r"\1 ", text)


def normalise_outlet(name: str | None) -> str | None:
    """'Naenara (En)' -> 'Naenara', 'KCNA.kp (En)' -> 'KCNA'; unknown names kept as written."""
    if not name:
        return None
    bare = re.sub(r"\s*\((?:en|eng|english)\)\s*$", "", name.strip(), flags=re.I).strip()
    return OUTLETS.get(bare.lower(), bare) or None


def _teaser_start(lines: list[str]) -> tuple[int, str | None]:
    """Index of the first line of the teaser list (len(lines) if none), and its outlet.

    The list starts at a "More From <outlet>" line. Some saves lose that line,
    so a teaser entry is also recognised by its shape: a date-only line between
    two copies of the same teaser text.
    """
    for i, line in enumerate(lines):
        m = _MORE_FROM.match(line)
        if m:
            return i, m.group(1)
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    for k, i in enumerate(nonblank):
        if not _DATE_ONLY.match(lines[i]) or k == 0 or k + 1 >= len(nonblank):
            continue
        before, after = lines[nonblank[k - 1]].strip(), lines[nonblank[k + 1]].strip()
        if before == after:
            start = k - 1
            # a teaser title may stand twice above its text: "T / T / teaser / date"
            while start >= 2 and lines[nonblank[start - 1]].strip() == lines[nonblank[start - 2]].strip():
                start -= 2
            return nonblank[start], None
    return len(lines), None


def rejoin(lines: Iterable[str]) -> str:
    """Join hard-wrapped lines into paragraphs, one paragraph a line.

    A line that does not end a sentence is continued by the next non-blank line
    (captures break lines mid-sentence, and even around a blank line, as in
    "... to Supreme Leader" / "" / "Kim Jong Un upon his election ...").
    """
    # Linear in the text: a paragraph is kept as a list of its lines and joined once,
    # and only the new line is searched for a sentence end (it is the paragraph's end).
    paragraphs: list[str] = []
    current: list[str] = []
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        current.append(line)
        if _SENTENCE_END.search(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    # KCNA ends a story with "-0-": a wire marker, not text
    paragraphs = [_END_MARK.sub("", p) for p in paragraphs]
    return "\n".join(p for p in paragraphs if p)


def parse_capture_text(raw: str) -> dict:
    """Split a page capture into header fields and body.

    Returns a dict with ``title``, ``published``, ``source``, ``captured`` and
    ``text``. Text without a recognised header is all body (less any teaser list).
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut, more_from = _teaser_start(lines)
    lines = lines[:cut]
    fields = {"title": None, "published": None, "source": normalise_outlet(more_from), "captured": None}
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    header_end = -1
    for k, i in enumerate(nonblank[:8]):
        m = _DATE_SOURCE.match(lines[i])
        if not m:
            continue
        day, month, year, source = m.groups()
        try:
            fields["published"] = date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            fields["published"] = None
        fields["source"] = normalise_outlet(source) or fields["source"]
        if k >= 1:
            fields["title"] = " ".join(lines[nonblank[k - 1]].split())
        if k >= 2:
            cap = _CAPTURE_DATE.match(lines[nonblank[0]])
            fields["captured"] = parse_date(cap.group(1)) if cap else None
        header_end = i
        break
    fields["text"] = rejoin(lines[header_end + 1:])
    return fields


def content_id(*parts: str | None) -> str:
    """A stable id derived from the content, for inputs that carry none."""
    digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()
    return digest[:16]


# ---------------------------------------------------------------- file readers

def _clean_body(text: str | None) -> str:
    """Body text from a record or extractor: teaser list cut, whitespace tidied."""
    if not text:
        return ""
    lines = str(text).replace("\r\n", "\n").split("\n")
    cut, _ = _teaser_start(lines)
    return "\n".join(" ".join(line.split()) for line in lines[:cut] if line.strip())


def capture_from_record(record: dict, path, line: int | None) -> Capture:
    """An article record (JSONL/CSV row) as a Capture. Only ``text`` is required."""
    if not isinstance(record, dict):
        raise InputError(path, "malformed record", "not a JSON object", line=line)
    text = _clean_body(record.get("text"))
    if not text:
        raise InputError(path, "empty text", line=line)
    title = " ".join(str(record.get("title") or "").split()) or None
    rid = record.get("id")
    rid = str(rid).strip() if rid not in (None, "") else content_id(title, text)
    known = {"id", "title", "text", "date", "published", "source", "captured", "path", "url"}
    return Capture(
        id=rid,
        text=text,
        title=title,
        published=parse_date(record.get("published") or record.get("date")),
        source=normalise_outlet(record.get("source")),
        captured=parse_date(record.get("captured")),
        path=printable(path),
        line=line,
        url=str(record.get("url") or "").strip() or None,
        extra={k: v for k, v in record.items() if k not in known},
    )


def capture_from_html(html: str, path) -> Capture:
    """A browser-saved page: trafilatura finds title, date and main text, and drops navigation."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    if doc is not None and not isinstance(doc, dict):  # trafilatura 2 returns a Document
        doc = doc.as_dict()
    doc = doc or {}
    title = " ".join((doc.get("title") or "").split()) or None
    text = _clean_body(doc.get("text"))
    if title and text.split("\n", 1)[0] == title:  # the page's own headline
        text = text.split("\n", 1)[1] if "\n" in text else ""
    if not text:
        raise InputError(path, "no article body", "HTML page without article text")
    return Capture(id=content_id(title, text), text=text, title=title,
                   published=parse_date(doc.get("date")),
                   source=normalise_outlet(doc.get("sitename")), path=printable(path),
                   url=(doc.get("url") or "").strip() or None)


def capture_from_text(raw: str, path) -> Capture:
    if not raw.strip():
        raise InputError(path, "empty file")
    fields = parse_capture_text(raw)
    if not fields["text"]:
        reason = "header but no body" if fields["title"] else "no article body"
        raise InputError(path, reason, "only a header or a teaser list")
    return Capture(id=content_id(fields["title"], fields["text"]), path=printable(path), **fields)


def captures_from_rows(records, path, log: BatchLog) -> Iterator[Capture]:
    """Captures from (line number, row or InputError) pairs; bad rows are skipped through ``log``."""
    for n, item in records:
        try:
            if isinstance(item, InputError):
                raise item
            yield capture_from_record(item, path, n)
        except InputError as err:
            log.skip(err)


def captures_from_file(path: Path, log: BatchLog, max_bytes: int = DEFAULT_MAX_BYTES,
                       stream: IO[bytes] | None = None) -> Iterator[Capture]:
    """Every capture in one file. Bad lines are reported to ``log`` and skipped.

    ``stream`` is read instead of opening ``path`` (stdin, which ``path`` names).
    Record files are streamed a line at a time under a cap per record; anything
    else is read whole under the cap (``reading.read_capped``).
    """
    shown = printable(path)
    suffix = path.suffix.lower()
    if suffix in RECORD_SUFFIXES:
        rows = (stream_rows(path, max_bytes, log.note) if stream is None
                else rows_from_stream(stream, shown, max_bytes, log.note))
        yield from captures_from_rows(rows, shown, log)
        return
    data = read_capped(path if stream is None else shown, max_bytes, stream)
    text, encoding = decode_text(data, shown)
    if encoding != "utf-8":
        log.note(f"note {shown}: not UTF-8, read as {encoding}")
    if suffix in HTML_SUFFIXES or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        yield capture_from_html(text, shown)
    else:
        yield capture_from_text(text, shown)


def expand_inputs(inputs: Iterable[str], log: BatchLog) -> Iterator[Path | str]:
    """Files, folders (recursive) and glob patterns, in a stable order; '-' is stdin.

    The same file named twice is read once, and reported.
    """
    seen: set[str] = set()
    for spec in inputs:
        if spec == "-":
            yield "-"
            continue
        p = Path(spec)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.is_file() and not q.name.startswith("."))
        elif p.exists():
            found = [p]
        else:
            found = sorted(Path(q) for q in glob.glob(spec, recursive=True) if Path(q).is_file())
            if not found:
                log.skip(InputError(spec, "no such file"))
                continue
        for q in found:
            key = os.path.realpath(q)
            if key in seen:
                log.skip(InputError(q, "same file given twice"))
                continue
            seen.add(key)
            yield q


def read_captures(inputs: Iterable[str], log: BatchLog, max_bytes: int = DEFAULT_MAX_BYTES,
                  stdin=None) -> Iterator[Capture]:
    """Stream captures from every input; skip and report what cannot be read.

    Duplicate ids are kept once (the first) and reported. Memory stays flat: files
    are read one at a time and captures are yielded as they are found.
    """
    seen_ids: set[str] = set()
    for item in expand_inputs(inputs, log):
        try:
            if item == "-":
                head, stream = peek_stream(stdin if stdin is not None else sys.stdin.buffer)
                path = Path("<stdin>.jsonl") if head.lstrip()[:1] == b"{" else Path("<stdin>")
                captures = captures_from_file(path, log, max_bytes, stream=stream)
            else:
                captures = captures_from_file(Path(item), log, max_bytes)
            for cap in captures:
                if cap.id in seen_ids:
                    log.skip(InputError(cap.path, "duplicate id", cap.id, line=cap.line))
                    continue
                seen_ids.add(cap.id)
                yield cap
        except InputError as err:
            log.skip(err)
