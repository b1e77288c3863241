"""The command line, end to end, on the fake embedder (CliRunner)."""

import csv
import io
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from kcna_themes import tagging
from kcna_themes.cli import cli

from .conftest import (
    CORPUS,
    SEEDS,
    fake_services,
    invoke,
    make_labelled,
    records,
    train_on_fake_embedder,
    write_jsonl,
    write_press_review,
)


class FakeRunner(CliRunner):
    """A CliRunner that passes the fake embedder in."""

    def __init__(self, fake):
        super().__init__()
        self.fake = fake

    def invoke(self, cli, args=None, **kwargs):
        return super().invoke(cli, args, obj=fake_services(self.fake), **kwargs)


@pytest.fixture
def runner(fake_embedder):
    return FakeRunner(fake_embedder)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One model trained through the CLI on synthetic labels, shared by this module's tests."""
    return train_on_fake_embedder(tmp_path_factory.mktemp("trained"))


@pytest.fixture
def model_dir(trained, fake_embedder):
    return trained[0]


def test_train_prints_cross_validated_scores_and_writes_the_folder(trained):
    model_dir, result = trained
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert meta["themes"] == ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]
    assert meta["embedder"]["id"] == "fake-hash-64" and meta["training"]["size"] == 92
    assert meta["evaluation"]["per_theme"]["sport"]["support"] == 12
    assert "3-fold cross-validation on 92 articles" in result.output
    assert "macro-F1" in result.output and "sport" in result.output
    assert "92 labelled articles processed, 0 skipped" in result.stderr


def test_tag_seeds_gives_one_record_per_capture(model_dir, runner):
    result = runner.invoke(cli, ["tag", str(SEEDS), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    out = records(result.stdout)
    assert len(out) == 5
    rec = out[0]
    assert set(rec) == {"id", "title", "published", "source", "path", "url", "themes", "scores", "model",
                        "duplicate_of"}
    assert rec["url"] is None  # a page capture names no address
    assert rec["title"] == "Mass Movement Promotes Socialist Construction" and rec["published"] == "2023-01-21"
    assert set(rec["scores"]) == set(json.loads((model_dir / "metadata.json").read_text())["themes"])
    assert all(0 <= p <= 1 for r in out for p in r["scores"].values())
    thresholds = json.loads((model_dir / "metadata.json").read_text())["thresholds"]
    for r in out:
        assert r["themes"] == sorted((t for t, p in r["scores"].items() if p >= thresholds[t]),
                                     key=lambda t: -r["scores"][t])
    assert "5 captures processed, 0 skipped" in result.stderr


def test_tagging_follows_the_labels_it_learned(model_dir, runner, tmp_path):
    src = tmp_path / "new.jsonl"
    write_jsonl(src, [{"id": "s1", "title": "Match", "text": "football match championship players team won gold "
                                                              "medals football match team players in Pyongyang"},
                      {"id": "f1", "title": "Farm", "text": "farm rice harvest sowing crops fertilizer farmers "
                                                           "rice harvest farm in South Hwanghae"}])
    out = records(runner.invoke(cli, ["tag", str(src), "--model", str(model_dir)]).stdout)
    assert out[0]["themes"][0] == "sport" and out[1]["themes"][0] == "agriculture"


def test_tag_csv_output_and_second_run_is_served_from_the_cache(model_dir, runner, tmp_path, fake_embedder):
    out = tmp_path / "tagged.csv"
    first = runner.invoke(cli, ["tag", str(SEEDS), "--model", str(model_dir), "-o", str(out)])
    assert first.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 5 and "score_sport" in rows[0] and rows[0]["id"]
    before = fake_embedder.texts_embedded
    second = runner.invoke(cli, ["tag", str(SEEDS), "--model", str(model_dir), "-o", str(out)])
    assert second.exit_code == 0 and fake_embedder.texts_embedded == before
    assert "embeddings: 5 from cache, 0 computed" in second.stderr


def test_resume_finishes_an_interrupted_batch_equal_to_an_uninterrupted_run(model_dir, runner, tmp_path):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:40]), encoding="utf-8")
    full = tmp_path / "full.jsonl"
    runner.invoke(cli, ["tag", str(src), "--model", str(model_dir), "-o", str(full)])
    partial = tmp_path / "partial.jsonl"
    lines = full.read_text().splitlines(keepends=True)
    partial.write_text("".join(lines[:17]) + lines[17][:25])  # 17 complete records and a torn one
    result = runner.invoke(cli, ["tag", str(src), "--model", str(model_dir), "-o", str(partial), "--resume"])
    assert result.exit_code == 0, result.stderr
    assert partial.read_text() == full.read_text()
    assert "17 records were already in" in result.stderr


def test_ctrl_c_keeps_complete_records_and_says_how_to_resume(model_dir, runner, tmp_path, monkeypatch):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(CORPUS.read_text(encoding="utf-8").splitlines(keepends=True)[:30]), encoding="utf-8")
    real = tagging.tag_stream

    def interrupted(*args, **kwargs):
        for n, batch in enumerate(real(*args, **kwargs)):
            if n == 2:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(tagging, "tag_stream", interrupted)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(cli, ["tag", str(src), "--model", str(model_dir), "-o", str(out), "--batch-size", "8"])
    assert result.exit_code == 130
    assert "--resume" in result.stderr and "16 records kept" in result.stderr
    assert len(records(out.read_text())) == 16
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]
    monkeypatch.setattr(tagging, "tag_stream", real)
    done = runner.invoke(cli, ["tag", str(src), "--model", str(model_dir), "-o", str(out), "--resume"])
    assert done.exit_code == 0 and len(records(out.read_text())) == 30


def test_evaluate_prints_per_theme_scores(model_dir, runner, tmp_path):
    held_out = write_jsonl(tmp_path / "held.jsonl", make_labelled(n_per_theme=5, n_none=5, seed=9))
    result = runner.invoke(cli, ["evaluate", str(held_out), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert "on 35 labelled articles" in result.output and "support" in result.output
    macro = float(result.output.split("macro-F1")[1].split()[0])
    assert macro > 0.8
    from kcna_themes.captures import classifier_text
    from kcna_themes.evaluation import calibration_error
    from kcna_themes.model import load_model

    from .conftest import FakeEmbedder

    rows = make_labelled(n_per_theme=5, n_none=5, seed=9)
    model = load_model(model_dir, FakeEmbedder())
    probs = model.score([classifier_text(r["text"], r["title"]) for r in rows])
    Y = np.array([[int(t in r["themes"]) for t in model.themes] for r in rows])
    assert f"ECE {calibration_error(Y, probs):.3f}" in " ".join(result.output.split())


def test_evaluate_leaves_out_the_articles_the_model_was_trained_on(model_dir, runner, tmp_path):
    held_out = make_labelled(n_per_theme=5, n_none=5, seed=9)
    copies = [row | {"id": f"copy-{row['id']}"} for row in make_labelled()[:5]]  # trained on, under other ids
    mixed = write_jsonl(tmp_path / "mixed.jsonl", held_out + copies)
    result = runner.invoke(cli, ["evaluate", str(mixed), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert "on 35 labelled articles" in result.output
    assert "trained on 5 of these articles" in result.stderr and "left out" in result.stderr
    included = runner.invoke(cli, ["evaluate", str(mixed), "--model", str(model_dir), "--include-trained"])
    assert included.exit_code == 0 and "on 40 labelled articles" in included.output
    assert "they are included" in included.stderr
    clean = runner.invoke(cli, ["evaluate", str(write_jsonl(tmp_path / "held.jsonl", held_out)), "--model",
                                str(model_dir)])
    assert clean.exit_code == 0 and "trained on" not in clean.stderr


def test_evaluate_scores_each_year_with_enough_articles_as_it_would_alone(model_dir, runner, tmp_path):
    rows = make_labelled(n_per_theme=8, n_none=8, seed=9)
    for i, row in enumerate(rows):
        row["date"] = "2021-03-01" if i >= len(rows) - 5 else ("2019-05-01" if i % 2 else "")
    result = runner.invoke(cli, ["evaluate", str(write_jsonl(tmp_path / "years.jsonl", rows)),
                                 "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    lines = {line.split()[0]: line.split() for line in result.stdout.split("by year")[1].splitlines()[1:]}
    assert list(lines) == ["2019", "undated"]  # 2021's 5 articles are too few for a line
    alone = runner.invoke(cli, ["evaluate", str(write_jsonl(tmp_path / "2019.jsonl", [
        r for r in rows if r["date"].startswith("2019")])), "--model", str(model_dir)])
    assert lines["2019"][1] == f"n={alone.stdout.split('(n=')[1].split(')')[0]}"
    assert lines["2019"][3] == alone.stdout.split("macro-F1")[1].split()[0]
    assert lines["2019"][5] == alone.stdout.split("ECE")[1].split()[0]
    assert "by year" not in alone.stdout  # one year: nothing to break down


def test_evaluate_counts_no_theme_the_articles_cannot_test(model_dir, runner, tmp_path):
    rows = [r for r in make_labelled(n_per_theme=5, n_none=5, seed=9) if r["themes"] != ["sport"]]
    result = runner.invoke(cli, ["evaluate", str(write_jsonl(tmp_path / "no-sport.jsonl", rows)),
                                 "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    sport = next(line for line in result.output.splitlines() if line.strip().startswith("sport"))
    assert sport.split()[1:5] == ["-", "-", "-", "0"]
    f1 = [float(line.split()[3]) for line in result.output.splitlines()
          if line.split() and line.split()[0] in ("leader", "construction", "agriculture", "heritage", "diplomacy")]
    macro = float(result.output.split("macro-F1")[1].split()[0])
    assert macro == pytest.approx(sum(f1) / 5, abs=0.001) and "without sport: no example here" in result.output


def test_evaluate_refuses_to_score_only_articles_the_model_was_trained_on(model_dir, runner):
    labels = model_dir.parent / "labels.jsonl"  # what it was trained on
    result = runner.invoke(cli, ["evaluate", str(labels), "--model", str(model_dir)])
    assert result.exit_code == 2 and "Traceback" not in result.output + result.stderr
    assert "trained on all 92 of these labelled articles" in result.stderr and "--include-trained" in result.stderr


def test_every_command_explains_itself(runner):
    for command in ("tag", "train", "evaluate", "report"):
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0 and len(result.output) > 300


def test_a_seventh_theme_is_added_just_by_labelling_it(tmp_path, fake_embedder):
    rows = make_labelled(n_per_theme=8, n_none=10)
    for row in rows[:12]:  # some leader articles are also about the weather
        row["text"] += " typhoon rainfall storm weather forecast flood warning"
        row["themes"] = row["themes"] + ["weather"]
    labels = write_jsonl(tmp_path / "l.jsonl", rows)
    result = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2"], fake_embedder)
    assert result.exit_code == 0, result.stderr
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["themes"][-1] == "weather" and len(meta["themes"]) == 7
    out = records(invoke(["tag", SEEDS, "--model", tmp_path / "m"], fake_embedder).stdout)
    assert set(out[0]["scores"]) == set(meta["themes"])


def test_train_records_its_threshold_rule_and_the_rule_sets_other_cut_offs(tmp_path, fake_embedder, trained):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    meta = {}
    for rule in ("half-f1", "best-f1"):
        result = invoke(["train", labels, "--model", tmp_path / rule, "--folds", "2", "--threshold-rule", rule],
                        fake_embedder)
        assert result.exit_code == 0, result.stderr
        meta[rule] = json.loads((tmp_path / rule / "metadata.json").read_text())
        assert meta[rule]["classifier"]["threshold_rule"] == rule
    assert meta["half-f1"]["thresholds"] != meta["best-f1"]["thresholds"]
    assert json.loads((trained[0] / "metadata.json").read_text())["classifier"]["threshold_rule"] == "half-f1"
    result = invoke(["train", labels, "--model", tmp_path / "x", "--threshold-rule", "best"], fake_embedder)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_records_url_is_carried_to_the_tag_record_in_json_and_csv(tmp_path, model_dir, runner):
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()[:3]]
    rows[1].pop("url")
    source = write_jsonl(tmp_path / "few.jsonl", rows)
    result = runner.invoke(cli, ["tag", str(source), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert [r["url"] for r in records(result.stdout)] == [rows[0]["url"], None, rows[2]["url"]]
    result = runner.invoke(cli, ["tag", str(source), "--model", str(model_dir), "-o", str(tmp_path / "t.csv")])
    assert result.exit_code == 0, result.stderr
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        assert [r["url"] for r in csv.DictReader(fh)] == [rows[0]["url"], "", rows[2]["url"]]


def test_train_records_whether_digests_are_ruled_out(tmp_path, fake_embedder, trained):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    result = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2", "--no-digest-rule"], fake_embedder)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "m" / "metadata.json").read_text())["classifier"]["digest_rule"] is False
    assert json.loads((trained[0] / "metadata.json").read_text())["classifier"]["digest_rule"] is True
    press_review = write_press_review(tmp_path / "press-review.txt", "Kim Jong Il provided field guidance at a farm")
    ruled, unruled = (records(invoke(["tag", press_review, "--model", folder], fake_embedder).stdout)[0]
                      for folder in (trained[0], tmp_path / "m"))
    assert ruled["themes"] == [] and set(ruled["scores"].values()) == {0.0}
    assert max(unruled["scores"].values()) > 0


def test_progress_bar_on_a_terminal_counts_articles(model_dir, runner, monkeypatch):
    from tqdm import tqdm

    from kcna_themes import cli as cli_module

    screen = io.StringIO()
    bars = []

    def terminal_bar(quiet, unit):  # what _progress gives when stderr is a terminal
        bars.append(tqdm(unit=unit, file=screen))
        return bars[-1]

    monkeypatch.setattr(cli_module, "_progress", terminal_bar)
    result = runner.invoke(cli, ["tag", str(SEEDS), "--model", str(model_dir)])
    assert result.exit_code == 0, result.stderr
    assert bars[0].n == 5 and "5article" in screen.getvalue().replace(" ", "")


def test_tag_says_so_when_this_cpus_int8_kernels_are_not_the_training_ones(tmp_path, fake_embedder):
    """The int8 encoder gives other vectors on other int8 kernels (encoders.int8_kernels): the
    model records the training machine's, and tag notes a difference, naming both."""
    fake_embedder.kernels, fake_embedder.provenance = "x86_64-avx2", "build@x86_64-avx2"  # as the int8 encoder's
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    assert invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2"], fake_embedder).exit_code == 0
    assert json.loads((tmp_path / "m" / "metadata.json").read_text())["embedder"]["encoder_kernels"] == "x86_64-avx2"
    same = invoke(["tag", SEEDS, "--model", tmp_path / "m"], fake_embedder)
    fake_embedder.kernels, fake_embedder.provenance = "x86_64-avx512_vnni", "build@x86_64-avx512_vnni"
    other = invoke(["tag", SEEDS, "--model", tmp_path / "m"], fake_embedder)
    assert same.exit_code == other.exit_code == 0
    assert "int8 kernels" not in same.stderr
    assert "this CPU's int8 kernels (x86_64-avx512_vnni) are not those the model was trained on (x86_64-avx2)" \
        in other.stderr
    assert "0 computed" in same.stderr and "0 from cache" in other.stderr  # the other CPU's vectors are its own
    assert len(records(other.stdout)) == len(records(same.stdout)) == 5  # a note, nothing skipped
