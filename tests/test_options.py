"""Every numeric option has a range: a value outside it is a usage error (exit 2, no traceback)."""

import pytest

from .conftest import invoke, make_labelled, write_jsonl
from .test_outputs import articles  # noqa: F401  (fixtures)


@pytest.mark.parametrize("option", [
    ("train", "--folds", "1"), ("train", "--folds", "0"), ("train", "--C", "0"), ("train", "--C", "-1"),
    ("train", "--C", "nan"), ("train", "--C", "inf"), ("train", "--max-tokens", "-1"),
    ("train", "--lexical-dims", "-5"), ("train", "--jobs", "0"),
    ("tag", "--batch-size", "0"), ("tag", "--batch-size", "-3"), ("tag", "--max-size", "0"),
    ("tag", "--max-size", "-1"), ("tag", "--max-size", "inf"),
    ("report", "--seed", "-1"),
])
def test_numeric_options_out_of_range_are_usage_errors(tmp_path, option):
    command, name, value = option
    labels = write_jsonl(tmp_path / "labels.jsonl", make_labelled(n_per_theme=5, n_none=2))
    out = tmp_path / "out.jsonl"
    out.write_text("previous output\n")
    extra = ["-o", out] if command in ("tag", "report") else ["--model", tmp_path / "m"]
    result = invoke([command, labels, name, value, *extra])
    assert result.exit_code == 2, result.output + result.stderr
    assert f"Invalid value for '{name}'" in result.stderr and "Traceback" not in result.stderr
    assert out.read_text() == "previous output\n" and not (tmp_path / "m").exists()


def test_more_folds_than_articles_is_refused_in_one_line(tmp_path):
    labels = write_jsonl(tmp_path / "labels.jsonl", make_labelled(n_per_theme=5, n_none=2))
    result = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "99", "--no-headline"])
    assert result.exit_code == 2, result.stderr
    assert "cannot cross-validate in 99 folds: only 32 labelled articles" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "m").exists()


def test_tag_batch_size_one_tags_everything(articles, small_model_dir):  # noqa: F811
    result = invoke(["tag", articles, "--model", small_model_dir, "--batch-size", "1"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 4
