"""Unusual but real input (issue 10): each problem is a named, counted skip of the smallest unit.

The record, not the file; the file, not the batch; exit 1 and never a traceback.
"""

import io
import json
import os
import re
import stat
from pathlib import Path

import pytest

from kcna_themes import captures
from kcna_themes.batch import BatchLog
from kcna_themes.captures import parse_capture_text, read_captures

from .conftest import invoke, make_labelled, write_jsonl

GOOD = "Farmers in South Hwanghae Province finished the rice harvest ahead of schedule."
DEEP = '{"text": "x", "n": ' + "[" * 1500 + "]" * 1500 + "}"  # about 3 KB
THEMES = ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]


@pytest.fixture(scope="module")
def model_dir(small_model_dir):
    return small_model_dir


def tag(model_dir, *args, **kwargs):
    return invoke(["tag", "--model", model_dir, *args], **kwargs)


def no_traceback(result):
    return "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))


def tagged_line(i, **fields):
    record = {"id": f"t{i}", "title": f"T{i}", "published": "2011-01-05", "source": "KCNA", "path": "p",
              "themes": ["leader"], "scores": {t: (0.9 if t == "leader" else 0.1) for t in THEMES}, "model": "m1"}
    record.update(fields)
    return json.dumps(record)


# ------------------------------------------------------------------ deep JSON

def test_deeply_nested_json_line_is_skipped_in_tag(tmp_path, model_dir):
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([json.dumps({"id": "a", "text": GOOD}), DEEP,
                               '{"id": "c", "text": "Text.", "n": ' + "[" * 200 + "]" * 200 + "}",
                               json.dumps({"id": "b", "text": GOOD + " Again."})]) + "\n")
    result = tag(model_dir, path, "-o", tmp_path / "out.jsonl")
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {path}:2: JSON nested too deeply" in result.stderr
    assert f"skipped {path}:3: JSON nested too deeply" in result.stderr
    out = [json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert out == ["a", "b"]


def test_deeply_nested_json_line_is_skipped_in_report(tmp_path):
    path = tmp_path / "tagged.jsonl"
    path.write_text("\n".join([tagged_line(1), DEEP, tagged_line(2)]) + "\n")
    result = invoke(["report", path, "--by", "all", "--format", "json"])
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {path}:2: JSON nested too deeply" in result.stderr
    assert json.loads(result.stdout)[0]["n"] == 2


def test_deeply_nested_label_line_refuses_its_file_and_train_goes_on(tmp_path):
    rows = make_labelled(n_per_theme=6, n_none=6)
    good = write_jsonl(tmp_path / "good.jsonl", rows)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(dict(rows[0], id="x1")) + "\n" + DEEP + "\n")
    result = invoke(["train", good, bad, "--model", tmp_path / "m", "--folds", "2"])
    assert result.exit_code == 1 and no_traceback(result)
    assert f"{bad}:2: JSON nested too deeply" in result.stderr and "bad.jsonl: labelled file refused" in result.stderr


def test_deeply_nested_label_line_in_evaluate(tmp_path, model_dir):
    rows = make_labelled(n_per_theme=3, n_none=3, seed=9)  # not the articles model_dir was trained on
    good = write_jsonl(tmp_path / "good.jsonl", rows)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(DEEP + "\n")
    result = invoke(["evaluate", good, bad, "--model", model_dir])
    assert result.exit_code == 1 and no_traceback(result)
    assert f"{bad}:1: JSON nested too deeply" in result.stderr and f"on {len(rows)} labelled" in result.stdout


# ------------------------------------------------------------------ lone surrogates

def test_lone_surrogates_are_replaced_and_noted_and_the_record_kept(tmp_path, model_dir):
    path = tmp_path / "s.jsonl"
    path.write_text('{"id": "a\\ud800", "title": "Ti\\udfff", "text": "Harvest \\ud800 done."}\n'
                    '{"text": "Farm \\udc00 work.", "source": "KCNA"}\n'
                    '{"id": "pair", "text": "An emoji \\ud83d\\ude00 is a pair, not a lone half."}\n')
    out = tmp_path / "out.jsonl"
    result = tag(model_dir, path, "-o", out)
    assert result.exit_code == 0 and no_traceback(result)
    assert f"note {path}:1: 3 lone surrogate escape(s) replaced with U+FFFD" in result.stderr
    assert f"note {path}:2: 1 lone surrogate escape(s) replaced with U+FFFD" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records][::2] == ["a\ufffd", "pair"] and records[0]["title"] == "Ti\ufffd"
    assert re.fullmatch("[0-9a-f]{16}", records[1]["id"])  # a content id, computed on the replaced text
    assert f"{path}:3:" not in result.stderr  # a whole pair is one character, not two halves


def test_lone_surrogates_in_a_tagged_file_do_not_break_report(tmp_path):
    path = tmp_path / "tagged.jsonl"
    path.write_text(tagged_line(1, source="KC\\ud800NA").replace("\\\\", "\\") + "\n" + tagged_line(2) + "\n")
    out = tmp_path / "r.csv"
    result = invoke(["report", path, "--by", "month", "--by-source", "-o", out])
    assert result.exit_code == 0 and no_traceback(result)
    assert "KC\ufffdNA" in out.read_text(encoding="utf-8")


def test_lone_surrogates_in_labels_are_replaced_and_training_goes_on(tmp_path):
    rows = make_labelled(n_per_theme=6, n_none=6)
    lines = [json.dumps(r) for r in rows]
    lines[0] = lines[0].replace('"text": "', '"text": "\\ud800 ', 1)
    labels = tmp_path / "l.jsonl"
    labels.write_text("\n".join(lines) + "\n")
    result = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2"])
    assert result.exit_code == 0 and no_traceback(result)
    assert f"note {labels}:1: 1 lone surrogate escape(s) replaced" in result.stderr


# ------------------------------------------------------------------ CSV fields, names, permissions

def test_a_csv_field_over_the_csv_modules_default_limit_is_read(tmp_path, model_dir):
    path = tmp_path / "long.csv"
    long_text = (GOOD + " ") * 2000  # about 160,000 characters, over csv's 131,072 default
    path.write_text(f'id,text\nlong,"{long_text}"\nshort,"{GOOD}"\n', encoding="utf-8")
    result = tag(model_dir, path)
    assert result.exit_code == 0 and no_traceback(result)
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["long", "short"]


def test_a_csv_field_over_the_record_cap_skips_only_its_row(tmp_path, model_dir):
    path = tmp_path / "long.csv"
    path.write_text(f'id,text\nlong,"{GOOD * 20_000}"\nshort,"{GOOD}"\n', encoding="utf-8")
    result = tag(model_dir, path, "--max-size", "1")
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {path}:2: record too large" in result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["short"]


def test_a_file_name_that_is_not_utf8_is_shown_with_a_replacement_character(tmp_path, model_dir):
    folder = os.fsencode(tmp_path)
    name = os.path.join(folder, b"caf\xe9.txt")  # latin-1 on a UTF-8 system
    with open(name, "wb") as fh:
        fh.write(GOOD.encode())
    with open(os.path.join(folder, b"caf\xe9-empty.txt"), "wb"):
        pass
    out = tmp_path / "out.jsonl"
    result = tag(model_dir, tmp_path, "-o", out)
    assert result.exit_code == 1 and no_traceback(result)
    assert "caf\ufffd-empty.txt: empty file" in result.stderr
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["path"] == str(tmp_path / "caf\ufffd.txt")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_an_unreadable_record_file_is_skipped(tmp_path, model_dir, suffix):
    locked = tmp_path / f"locked{suffix}"
    locked.write_text('{"text": "x"}\n' if suffix == ".jsonl" else "text\nx\n")
    locked.chmod(0)
    (tmp_path / "good.txt").write_text(GOOD)
    result = tag(model_dir, locked, tmp_path / "good.txt")
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {locked}: unreadable file" in result.stderr and len(result.stdout.splitlines()) == 1


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc/self/mem")
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".txt"])
def test_a_record_file_that_fails_to_read_is_skipped(tmp_path, model_dir, suffix):
    # /proc/self/mem opens, then fails to read at offset 0 (EIO): what root sees of an unreadable file
    broken = tmp_path / f"broken{suffix}"
    broken.symlink_to("/proc/self/mem")
    (tmp_path / "good.txt").write_text(GOOD)
    result = tag(model_dir, broken, tmp_path / "good.txt")
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {broken}: unreadable file" in result.stderr and len(result.stdout.splitlines()) == 1


# ------------------------------------------------------------------ linear text cleaning

def test_rejoining_lines_that_never_end_a_sentence_is_linear(monkeypatch):
    lines = [f"the delegation of workers went on to the site number {i} and" for i in range(5000)]  # 300 KB
    searched: list[int] = []
    pattern = captures._SENTENCE_END

    class Counting:
        def search(self, text):
            searched.append(len(text))
            return pattern.search(text)

    monkeypatch.setattr(captures, "_SENTENCE_END", Counting())
    text = parse_capture_text("\n".join(lines))["text"]
    assert text == " ".join(lines)
    # each line is searched once, and never the growing paragraph: work grows with the text
    assert len(searched) == len(lines) and max(searched) == max(map(len, lines))


# ------------------------------------------------------------------ devices, pipes, stdin

class Endless(io.RawIOBase):
    """A stream that never ends (``yes | kcna-themes tag -``), counting what was read of it."""

    def __init__(self, chunk: bytes):
        self.chunk = chunk
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = len(buffer)
        buffer[:n] = (self.chunk * (n // len(self.chunk) + 1))[:n]
        self.read_bytes += n
        return n


def test_endless_stdin_is_refused_at_the_cap():
    stream = Endless(b"Kim Jong Un visited a farm. ")
    log = BatchLog()
    found = list(read_captures(["-"], log, max_bytes=100_000, stdin=io.BufferedReader(stream)))
    assert found == [] and log.skipped == {"file too large": 1}
    assert stream.read_bytes < 300_000


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv", ""])
def test_devices_are_refused_and_the_good_file_beside_them_is_kept(tmp_path, model_dir, device, suffix):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    alias = tmp_path / f"dev{suffix}"
    alias.symlink_to(device)
    (tmp_path / "good.txt").write_text(GOOD)
    result = tag(model_dir, alias, tmp_path / "good.txt")
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {alias}: binary file" in result.stderr and len(result.stdout.splitlines()) == 1


def test_a_named_pipe_is_read_under_the_cap(tmp_path, model_dir):
    import threading

    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)

    def feed():
        try:  # the reader stops at the cap: a write, or the flush on closing, may find the pipe closed
            with open(pipe, "wb") as fh:
                for _ in range(100):
                    fh.write(b"Kim Jong Un visited a farm. " * 1000)  # 2.8 MB in all
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    (tmp_path / "good.txt").write_text(GOOD)
    result = tag(model_dir, pipe, tmp_path / "good.txt", "--max-size", "1")
    writer.join(timeout=30)
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {pipe}: file too large (more than the cap of 1,000,000 bytes)" in result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_stdin_jsonl_is_still_streamed_record_by_record(model_dir):
    rows = "".join(json.dumps({"id": f"r{i}", "text": f"{GOOD} {i}"}) + "\n" for i in range(30))
    huge = json.dumps({"id": "huge", "text": GOOD * 20_000}) + "\n"
    result = tag(model_dir, "-", "--max-size", "1", input=(huge + rows).encode())
    assert result.exit_code == 1 and no_traceback(result)
    assert "skipped <stdin>.jsonl:1: record too large" in result.stderr
    assert len(result.stdout.splitlines()) == 30


def test_report_refuses_a_device_and_keeps_the_good_file(tmp_path):
    alias = tmp_path / "zero.jsonl"
    alias.symlink_to("/dev/zero")
    good = tmp_path / "t.jsonl"
    good.write_text(tagged_line(1) + "\n")
    result = invoke(["report", alias, good, "--by", "all", "--format", "json"])
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {alias}: binary file" in result.stderr and json.loads(result.stdout)[0]["n"] == 1


def test_labelled_files_refuse_devices_naming_them(tmp_path):
    rows = make_labelled(n_per_theme=6, n_none=6)
    good = write_jsonl(tmp_path / "good.jsonl", rows)
    alias = tmp_path / "zero.jsonl"
    alias.symlink_to("/dev/zero")
    result = invoke(["train", good, alias, "--model", tmp_path / "m", "--folds", "2"])
    assert result.exit_code == 1 and no_traceback(result)
    assert f"skipped {alias}: binary file" in result.stderr
    assert Path(tmp_path / "m" / "metadata.json").exists()
