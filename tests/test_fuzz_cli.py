"""Property-based search for crashes: the whole command line on generated, hostile files.

Each example writes a folder of files (random bytes, JSON of random shapes and
depths, text in random encodings, CSV, random file names) beside one file of
good records, and runs a command on it through the fake embedder. Whatever the
files hold: no traceback reaches the user, the exit status is 0, 1 or 2, and
(for ``tag``) every good record comes out. The budget is small enough for CI;
``FUZZ_EXAMPLES`` (an environment variable) raises it for a longer search.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from kcna_themes.csvsafe import restore_cell
from kcna_themes.reading import BINARY_SNIFF_BYTES

from .conftest import invoke, make_labelled

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
FUZZ = settings(max_examples=EXAMPLES or 30, deadline=None, derandomize=EXAMPLES is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])

GOOD_TEXT = "Farmers of the cooperative farm finished the rice harvest ahead of schedule, the report said."
SUFFIXES = [".jsonl", ".csv", ".txt", ".html", ".json", ""]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1", "koi8-r", "shift_jis", "gb18030"]

# JSON values of random shapes: scalars, lists and objects nested a few levels
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["id", "text", "title", "date", "source", "themes", "scores", "model", "published"])
        | st.text(max_size=8), inner, max_size=5),
    max_leaves=12)


def _deep(depth: int) -> str:
    return json.dumps({"text": "x", "n": 0}).replace("0", "[" * depth + "]" * depth)


# text with lone surrogates: json.dumps writes them as "\ud800" escapes, as a broken exporter would
surrogate_text = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.characters(),
                         min_size=1, max_size=30)

junk_lines = st.one_of(
    json_values.map(lambda v: json.dumps(v, allow_nan=True)),
    st.text(max_size=80),  # not JSON at all
    st.integers(2, 3000).map(_deep),  # nested far deeper than any article, up to 3,000 levels
    st.builds(lambda t: json.dumps({"id": t, "text": t, "title": t}), surrogate_text),
)

# file names: any characters a folder entry may hold, and bytes that are not UTF-8 (latin-1 "café")
file_names = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\"), min_size=1, max_size=24)
    .map(os.fsencode),
    st.binary(min_size=1, max_size=16).map(lambda b: b.replace(b"/", b"_").replace(b"\0", b"_")),
).filter(lambda n: n not in (b".", b"..") and not n.startswith(b"."))


@st.composite
def hostile_files(draw) -> list[tuple[bytes, bytes]]:
    """(name, bytes) pairs: random bytes, junk JSON lines, random encodings, CSV."""
    files = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(file_names) + os.fsencode(draw(st.sampled_from(SUFFIXES)))
        kind = draw(st.sampled_from(["bytes", "lines", "encoded", "csv"]))
        if kind == "bytes":
            data = draw(st.binary(max_size=400))
        elif kind == "lines":
            data = "\n".join(draw(st.lists(junk_lines, max_size=6))).encode("utf-8", "surrogatepass")
        elif kind == "encoded":
            text = draw(st.text(max_size=200)) + "\n" + GOOD_TEXT
            data = text.encode(draw(st.sampled_from(ENCODINGS)), "replace")
        else:
            cells = st.text(max_size=20) | st.integers(0, 200_000).map(lambda n: "a" * n)  # past csv's 131,072
            rows = draw(st.lists(st.lists(cells, min_size=1, max_size=5), max_size=5))
            buf = io.StringIO()
            csv.writer(buf).writerows([["id", "text", "title"], *rows])
            data = buf.getvalue().encode("utf-8", "surrogatepass")
        files.append((name, data))
    return files


def _write(folder: Path, files: list[tuple[bytes, bytes]]) -> None:
    for i, (name, data) in enumerate(files):
        sub = folder / f"f{i}"  # one folder each: random names may collide
        sub.mkdir()
        fd = os.open(os.path.join(os.fsencode(sub), name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)


def _good_records(n: int) -> list[dict]:
    return [{"id": f"good-{i}", "title": f"Harvest {i}", "date": f"2011-0{1 + i % 9}-1{i % 9}",
             "text": f"{GOOD_TEXT} County {i}."} for i in range(n)]


def _clean(result) -> None:
    shown = result.output + result.stderr
    assert result.exit_code in (0, 1, 2), shown
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in shown
    assert "unexpected" not in result.stderr, result.stderr  # the last resort is for bugs: none may be found


def _ids_out(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".csv":
        return {restore_cell(row["id"]) for row in csv.DictReader(io.StringIO(text))}
    # JSON Lines are split at "\n" only: str.splitlines() would also split inside a value at
    # U+0085, U+2028 and the like, which JSON keeps as they are
    return {json.loads(line)["id"] for line in text.split("\n") if line.strip()}


@pytest.fixture(scope="module")
def tagged_template(small_model_dir, tmp_path_factory) -> list[str]:
    """Lines of a real `tag` output: the good records of `report` examples."""
    folder = tmp_path_factory.mktemp("template")
    source = folder / "good.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in _good_records(6)), encoding="utf-8")
    result = invoke(["tag", source, "--model", small_model_dir, "-o", folder / "tagged.jsonl"])
    assert result.exit_code == 0, result.stderr
    return (folder / "tagged.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)


@FUZZ
@given(files=hostile_files(), junk=st.lists(junk_lines, max_size=4), n_good=st.integers(1, 4),
       fmt=st.sampled_from([".jsonl", ".csv"]), batch=st.integers(1, 5))
def test_tag_survives_hostile_files_and_keeps_every_good_record(small_model_dir, files, junk, n_good, fmt,
                                                                 batch):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write(folder, files)
        good = _good_records(n_good)
        lines = [json.dumps(r) for r in good] + junk
        data = "\n".join(lines).encode("utf-8", "surrogatepass") + b"\n"
        (folder / "good.jsonl").write_bytes(data)
        out = Path(tmp) / f"tagged{fmt}"
        result = invoke(["tag", folder, "--model", small_model_dir, "-o", out, "--batch-size", batch])
        _clean(result)
        assert result.exit_code != 2, result.stderr
        if b"\x00" in data[:BINARY_SNIFF_BYTES]:  # a NUL near the start: a binary file, skipped whole, said so
            assert "good.jsonl" in result.stderr and "binary file" in result.stderr, result.stderr
        else:
            assert {r["id"] for r in good} <= _ids_out(out)


@FUZZ
@given(files=hostile_files(), junk=st.lists(junk_lines, max_size=4), n_good=st.integers(0, 6),
       by=st.sampled_from(["day", "week", "month", "quarter", "year", "all"]),
       fmt=st.sampled_from(["csv", "json", "markdown"]))
def test_report_survives_hostile_files(tagged_template, files, junk, n_good, by, fmt):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write(folder, files)
        good = folder / "tagged.jsonl"
        good.write_bytes(("".join(tagged_template[:n_good]) + "\n".join(junk)).encode("utf-8", "surrogatepass"))
        inputs = [good, *sorted(p for p in folder.rglob("*") if p.is_file() and p != good)]
        result = invoke(["report", *inputs, "--by", by, "--format", fmt, "-o", Path(tmp) / "table.out"])
        _clean(result)
        if n_good:
            assert result.exit_code in (0, 1) or "mixed models" in result.stderr, result.stderr


@FUZZ
@given(files=hostile_files(), junk=st.lists(junk_lines, max_size=3))
def test_evaluate_survives_hostile_files(small_model_dir, files, junk):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write(folder, files)
        labels = make_labelled(n_per_theme=2, n_none=2)
        lines = [json.dumps(r) for r in labels] + junk
        (folder / "labels.jsonl").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
        _clean(invoke(["evaluate", folder, "--model", small_model_dir]))


@settings(FUZZ, max_examples=(EXAMPLES or 8))
@given(files=hostile_files(), junk=st.lists(junk_lines, max_size=3))
def test_train_survives_hostile_files(files, junk):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        _write(folder, files)
        lines = [json.dumps(r) for r in make_labelled(n_per_theme=5, n_none=4)] + junk
        (folder / "labels.jsonl").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass") + b"\n")
        with threadpool_limits(1):  # hundreds of tiny fits: threads only contend on a shared CI machine
            result = invoke(["train", folder, "--model", Path(tmp) / "model", "--folds", "2", "--no-headline",
                             "--lexical-dims", "8"])
        _clean(result)
        shutil.rmtree(folder)
