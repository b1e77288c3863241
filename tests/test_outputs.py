"""Outputs never destroy data: not an input, not a device node, not on a full disk, not on an empty run."""

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from kcna_themes import atomic

from .conftest import CORPUS, invoke

ARTICLES = CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:4]


@pytest.fixture
def articles(tmp_path) -> Path:
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(ARTICLES), encoding="utf-8")
    return path


def _clean_refusal(result, *words):
    assert result.exit_code == 2, result.output + result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert all(w in result.stderr for w in words), result.stderr


def test_tag_refuses_an_output_that_is_its_input(tmp_path, tag_small, articles):
    before = articles.read_bytes()
    _clean_refusal(tag_small(articles, "-o", articles), "is also one of the inputs")
    assert articles.read_bytes() == before


def test_tag_refuses_an_output_reached_through_a_folder_a_glob_or_another_name(tmp_path, tag_small, articles):
    before = articles.read_bytes()
    os.link(articles, tmp_path / "hardlink.jsonl")
    (tmp_path / "symlink.jsonl").symlink_to(articles)
    for inputs, output in [((tmp_path,), articles),
                           ((str(tmp_path / "*.jsonl"),), articles),
                           ((articles,), tmp_path / "hardlink.jsonl"),
                           ((articles,), tmp_path / "symlink.jsonl"),
                           ((tmp_path / "sub" / ".." / "articles.jsonl",), articles)]:
        (tmp_path / "sub").mkdir(exist_ok=True)
        _clean_refusal(tag_small(*inputs, "-o", output), "is also one of the inputs")
        assert articles.read_bytes() == before


def test_an_output_inside_an_input_folder_that_does_not_exist_yet_is_allowed(tmp_path, tag_small, articles):
    result = tag_small(tmp_path, "-o", tmp_path / "tagged.jsonl")
    assert result.exit_code == 0, result.stderr
    assert len((tmp_path / "tagged.jsonl").read_text().splitlines()) == len(ARTICLES)


def test_report_refuses_an_output_or_chart_that_is_its_input(tmp_path, tag_small, articles):
    tagged = tmp_path / "tagged.jsonl"
    assert tag_small(articles, "-o", tagged).exit_code == 0
    before = tagged.read_bytes()
    _clean_refusal(invoke(["report", tagged, "-o", tagged]), "--output is also one of the inputs")
    chart = tmp_path / "tagged.png"
    chart.write_bytes(before)
    _clean_refusal(invoke(["report", tagged, chart, "--plot", chart]), "--plot is also one of the inputs")
    assert tagged.read_bytes() == before == chart.read_bytes()


def test_a_mistyped_input_keeps_the_previous_output(tmp_path, tag_small, articles):
    out = tmp_path / "out.jsonl"
    assert tag_small(articles, "-o", out).exit_code == 0
    before = out.read_bytes()
    result = tag_small(tmp_path / "artciles.jsonl", "-o", out)
    assert result.exit_code == 1
    assert "no such file" in result.stderr and "left as it was" in result.stderr
    assert out.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_a_run_that_tags_nothing_still_creates_a_new_output(tmp_path, tag_small):
    out = tmp_path / "out.csv"
    result = tag_small(tmp_path / "missing.jsonl", "-o", out)
    assert result.exit_code == 1
    assert out.read_text().startswith("id,title,")  # the header: an empty table, not no file


def test_dev_null_stays_a_character_device(tag_small, articles):
    if not os.path.exists("/dev/null"):
        pytest.skip("no /dev/null on this system")
    result = tag_small(articles, "-o", "/dev/null")
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    result = invoke(["report", articles, "-o", "/dev/null"])  # not tagged: skipped, but /dev/null is kept
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_through_not_replaced(tmp_path, tag_small, articles):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = tag_small(articles, "-o", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(received[0].decode().splitlines()) == len(ARTICLES)


def test_resume_into_a_fifo_is_refused_at_once_not_left_waiting_for_a_writer(tmp_path, tag_small, articles):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    result = tag_small(articles, "-o", fifo, "--resume")  # before, it blocked reading the pipe back
    _clean_refusal(result, "--resume", "not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlinked_output_updates_the_file_it_points_to_and_stays_a_link(tmp_path, tag_small, articles):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "today.jsonl").write_text("stale\n", encoding="utf-8")
    latest = tmp_path / "latest.jsonl"
    latest.symlink_to(runs / "today.jsonl")
    result = tag_small(articles, "-o", latest)
    assert result.exit_code == 0, result.stderr
    assert latest.is_symlink() and os.readlink(latest) == str(runs / "today.jsonl")
    assert len((runs / "today.jsonl").read_text(encoding="utf-8").splitlines()) == len(ARTICLES)
    assert sorted(p.name for p in runs.iterdir()) == ["today.jsonl"]  # no temporary file left beside it
    dangling = tmp_path / "new-link.jsonl"
    dangling.symlink_to(runs / "new.jsonl")  # points at a file not yet made: made, as the shell's > makes it
    assert tag_small(articles, "-o", dangling).exit_code == 0
    assert (runs / "new.jsonl").is_file() and dangling.is_symlink()


class _FullDisk:
    """A file object whose writes fail as on a full disk once a few bytes are in."""

    def __init__(self, fh):
        self._fh, self._room = fh, 100

    def write(self, data):
        self._room -= len(data)
        if self._room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return self._fh.write(data)

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


def test_a_full_disk_keeps_the_old_output_and_exits_2_in_one_line(tmp_path, tag_small, articles, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text("previous complete output\n")
    real_fdopen = os.fdopen
    monkeypatch.setattr(atomic.os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k)))
    result = tag_small(articles, "-o", out)
    _clean_refusal(result, f"{out}: cannot write", "No space left on device")
    assert out.read_text() == "previous complete output\n"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_dev_full_is_a_full_disk_and_stays_a_device(tag_small, articles):
    _clean_refusal(tag_small(articles, "-o", "/dev/full"), "/dev/full: cannot write")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_an_unrelated_os_error_inside_a_write_is_not_blamed_on_the_output(tmp_path):
    with pytest.raises(PermissionError):
        with atomic.atomic_write(tmp_path / "out.txt"):
            raise PermissionError(errno.EACCES, "an input could not be read")
    assert not (tmp_path / "out.txt").exists()


_DRIVER = ("import sys; from tests.conftest import fake_services; from kcna_themes.cli import cli; "
           "cli(sys.argv[1:], obj=fake_services())")


def _run_with_stdout(args, stdout, tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "KCNA_THEMES_CACHE": str(tmp_path / "cache"), "PYTHONPATH": str(Path(__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", _DRIVER, *map(str, args)], stdout=stdout,
                            stderr=subprocess.PIPE, cwd=Path(__file__).parent.parent, env=env)
    if stdout == subprocess.PIPE:
        proc.stdout.close()  # the reader went away at once, as `| head -0` would
    _, stderr = proc.communicate(timeout=300)
    return proc.returncode, stderr.decode()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_or_closed_stdout_is_one_line_and_exit_2(tmp_path, small_model_dir, articles):
    import subprocess

    many = tmp_path / "many.jsonl"
    lines = articles.read_text(encoding="utf-8").splitlines()
    many.write_text("".join(line.replace('"id": "', f'"id": "{k}-') + "\n" for k in range(200) for line in lines))
    with open("/dev/full", "wb") as full:
        code, stderr = _run_with_stdout(["tag", many, "--model", small_model_dir], full, tmp_path)
    assert code == 2 and "<stdout>: cannot write (No space left on device)" in stderr, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    code, stderr = _run_with_stdout(["tag", many, "--model", small_model_dir], subprocess.PIPE, tmp_path)
    assert code == 2 and "<stdout>: cannot write (Broken pipe)" in stderr, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
