"""`kcna-themes review`: cross-validated probabilities and cleanlab put a wrong label first."""

import json

import pytest

from .conftest import invoke, make_labelled, write_jsonl


@pytest.fixture
def labels_with_one_wrong(tmp_path):
    rows = make_labelled(n_per_theme=8, n_none=10)
    wrong = next(r for r in rows if r["themes"] == ["sport"])
    wrong["themes"] = ["agriculture"]  # a sport article labelled agriculture
    return write_jsonl(tmp_path / "labels.jsonl", rows), wrong["id"]


def test_review_ranks_a_deliberately_wrong_label_first(tmp_path, labels_with_one_wrong, fake_model_dir,
                                                       fake_embedder):
    labels, wrong = labels_with_one_wrong
    out = tmp_path / "ranked.jsonl"
    result = invoke(["review", labels, "--model", fake_model_dir, "--folds", 3, "-o", out], fake_embedder)
    assert result.exit_code == 0, result.output
    ranked = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(ranked) == 58 and len({r["id"] for r in ranked}) == 58
    first = ranked[0]
    assert first["id"] == wrong and first["flagged"] is True and first["given"] == ["agriculture"]
    assert first["scores"]["sport"] > first["scores"]["agriculture"]
    assert "given agriculture (model" in first["reason"] and first["reason"].startswith("suspect: ")
    flags = [r["flagged"] for r in ranked]
    assert flags == sorted(flags, reverse=True)  # every flagged label before every other
    assert "labels flagged as suspect by cleanlab" in result.stderr


def test_review_refuses_a_csv_label_file_it_cannot_append_to(tmp_path, fake_model_dir, fake_embedder):
    rows = make_labelled(n_per_theme=6, n_none=6)
    csv = tmp_path / "labels.csv"
    csv.write_text("id,title,text,themes\n" + "".join(f"{r['id']},{r['title']},{r['text']},{';'.join(r['themes'])}\n"
                                                      for r in rows))
    result = invoke(["review", csv, "--model", fake_model_dir, "--folds", 2, "--no-browser", "--port", 0],
                    fake_embedder)
    assert result.exit_code == 2 and "name a .jsonl file" in result.stderr


def test_review_ranks_only_the_named_file_learning_from_the_others_too(tmp_path, fake_model_dir, fake_embedder):
    rows = make_labelled(n_per_theme=8, n_none=10)
    mine = [r for r in rows if r["themes"] == ["sport"]][:6]
    mine[2] = dict(mine[2], themes=["heritage"])  # wrong
    others = [r for r in rows if r not in mine and r["id"] != mine[2]["id"]]
    own = write_jsonl(tmp_path / "mine.jsonl", mine)
    out = tmp_path / "ranked.jsonl"
    result = invoke(["review", own, "--also", write_jsonl(tmp_path / "others.jsonl", others), "--model",
                     fake_model_dir, "--folds", 3, "-o", out], fake_embedder)
    assert result.exit_code == 0, result.output
    ranked = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["id"] for r in ranked) == sorted(r["id"] for r in mine)
    assert ranked[0]["id"] == mine[2]["id"] and ranked[0]["given"] == ["heritage"]


def test_a_malformed_labels_file_is_named_without_blaming_strict(tmp_path, fake_model_dir, fake_embedder):
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"id": "a", "text": "x", "themes": []}\n{not json\n')
    result = invoke(["review", labels, "--model", fake_model_dir], fake_embedder)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "labels.jsonl:2: malformed JSON line" in result.stderr and "--strict" not in result.stderr
