"""The last resort: an unexpected exception is one line naming the input, exit 2, the traceback kept in a file."""

import json
import re
from pathlib import Path

from kcna_themes import report, tagging

from .conftest import FakeEmbedder, invoke
from .test_outputs import articles  # noqa: F401  (fixtures)


class PoisonedEmbedder(FakeEmbedder):
    """Fails, as a bug would, on one particular text."""

    def embed(self, texts):
        if any("poison" in t for t in texts):
            raise ValueError("the encoder choked")
        return super().embed(texts)


def _saved_traceback(stderr: str) -> str:
    match = re.search(r"the traceback is in (\S+) \(or rerun with kcna-themes --debug", stderr)
    assert match, stderr
    return Path(match.group(1)).read_text(encoding="utf-8")


def test_an_unexpected_error_is_one_line_with_the_record_and_exit_2(tmp_path, small_model_dir):
    path = tmp_path / "records.jsonl"
    rows = [{"id": "a", "text": "Farmers harvested rice."}, {"id": "b", "text": "A poison pill of a text."}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("previous output\n")
    result = invoke(["tag", path, "--model", small_model_dir, "--batch-size", "1", "-o", out], PoisonedEmbedder())
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith("Error: unexpected ValueError: the encoder choked")
    assert f"while processing {path}:2" in lines[0]
    assert "Traceback (most recent call last)" in _saved_traceback(result.stderr)
    assert out.read_text() == "previous output\n"


def test_debug_lets_the_traceback_through(tmp_path, articles, small_model_dir, monkeypatch):  # noqa: F811
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")
        yield

    monkeypatch.setattr(tagging, "tag_stream", broken)
    result = invoke(["tag", articles, "--model", small_model_dir])
    assert result.exit_code == 2 and "unexpected RuntimeError: a bug" in result.stderr
    result = invoke(["--debug", "tag", articles, "--model", small_model_dir])
    assert isinstance(result.exception, RuntimeError)


def test_report_has_the_same_last_resort(tmp_path, articles, small_model_dir, monkeypatch):  # noqa: F811
    tagged = tmp_path / "tagged.jsonl"
    assert invoke(["tag", articles, "--model", small_model_dir, "-o", tagged]).exit_code == 0

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(report, "build_report", broken)
    result = invoke(["report", tagged])
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "Error: unexpected ZeroDivisionError: division by zero" in result.stderr
    assert "ZeroDivisionError" in _saved_traceback(result.stderr)


def test_usage_errors_raised_inside_a_command_still_read_as_usage_errors(tmp_path, articles, small_model_dir):  # noqa: F811
    result = invoke(["tag", articles, "--model", small_model_dir, "--resume"])
    assert result.exit_code == 2 and "--resume needs --output" in result.stderr
    assert "unexpected" not in result.stderr
