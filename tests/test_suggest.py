"""`kcna-themes suggest`: uncertainty near the thresholds, diversity, nothing twice."""

import json

import numpy as np
import pytest

from kcna_themes.captures import Capture
from kcna_themes.suggest import Candidate, closeness_to_threshold, mmr_select, text_key

from .conftest import CORPUS, invoke, write_jsonl


@pytest.fixture
def model_dir(fake_model_dir):
    return fake_model_dir


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def corpus_rows(k=None):
    rows = read_jsonl(CORPUS)
    return rows if k is None else rows[:k]


def test_the_queue_holds_articles_scores_and_a_reason_and_no_themes_field(tmp_path, model_dir, fake_embedder):
    out = tmp_path / "queue.jsonl"
    result = invoke(["suggest", CORPUS, "--model", model_dir, "-n", 12, "-o", out], fake_embedder)
    assert result.exit_code == 0, result.output
    queue = read_jsonl(out)
    assert len(queue) == 12 and len({r["id"] for r in queue}) == 12
    corpus = {r["id"]: r for r in corpus_rows()}
    themes = json.loads((model_dir / "metadata.json").read_text())["themes"]
    for record in queue:
        assert record["text"] and record["title"] == corpus[record["id"]]["title"]
        assert set(record["scores"]) == set(themes)
        assert "themes" not in record  # a queue is not a labelled file
        assert record["reason"].startswith("uncertain: ")
        theme = record["reason"].split()[1]
        assert f"{theme} {record['scores'][theme]:.2f} (threshold " in record["reason"]
    assert "12 articles suggested" in result.stderr and "440 read" in result.stderr


def test_the_picked_articles_are_nearer_their_thresholds_than_the_pool(tmp_path, model_dir, fake_embedder):
    out = tmp_path / "queue.jsonl"
    assert invoke(["suggest", CORPUS, "--model", model_dir, "-n", 20, "-o", out], fake_embedder).exit_code == 0
    tagged = tmp_path / "tagged.jsonl"
    assert invoke(["tag", CORPUS, "--model", model_dir, "-o", tagged], fake_embedder).exit_code == 0
    meta = json.loads((model_dir / "metadata.json").read_text())
    cut = np.array([meta["thresholds"][t] for t in meta["themes"]])

    def closeness(record):
        return closeness_to_threshold(np.array([record["scores"][t] for t in meta["themes"]]), cut).max()

    picked = np.mean([closeness(r) for r in read_jsonl(out)])
    pool = np.mean([closeness(r) for r in read_jsonl(tagged)])
    assert picked > pool + 0.1
    # the scores are those `tag` gives the same article
    by_id = {r["id"]: r["scores"] for r in read_jsonl(tagged)}
    assert all(r["scores"] == by_id[r["id"]] for r in read_jsonl(out))


def test_a_model_theme_focuses_the_uncertainty_on_it(tmp_path, model_dir, fake_embedder):
    out = tmp_path / "queue.jsonl"
    result = invoke(["suggest", CORPUS, "--model", model_dir, "-n", 8, "--theme", "sport", "-o", out],
                    fake_embedder)
    assert result.exit_code == 0, result.output
    assert all(r["reason"].startswith("uncertain: sport ") for r in read_jsonl(out))


def test_labelled_articles_are_skipped_by_id_and_by_identical_text(tmp_path, model_dir, fake_embedder):
    pool = corpus_rows(30)
    # every article of the pool labelled but two: twenty by id, eight under other ids with re-spaced text
    by_id = [dict(r, themes=[]) for r in pool[:20]]
    by_text = [dict(r, id=f"other-{k}", text="  " + r["text"].replace(" ", "  \n "), themes=[])
               for k, r in enumerate(pool[20:28])]
    labels = write_jsonl(tmp_path / "labels.jsonl", by_id + by_text)
    out = tmp_path / "queue.jsonl"
    result = invoke(["suggest", write_jsonl(tmp_path / "pool.jsonl", pool), "--model", model_dir, "--labels", labels,
                     "-n", 10, "-o", out], fake_embedder)
    assert result.exit_code == 0, result.output
    assert {r["id"] for r in read_jsonl(out)} == {pool[28]["id"], pool[29]["id"]}
    assert "28 already labelled" in result.stderr


def test_a_new_theme_is_searched_by_its_examples_and_one_story_is_picked_once(tmp_path, model_dir, fake_embedder):
    story = ("The Korean People's Army held artillery firing drills with missile launchers and tanks; "
             "the soldiers and officers of the army unit showed their combat readiness.")
    example = {"id": "ex1", "title": "Artillery Drill", "text": story, "themes": ["military"]}
    labels = write_jsonl(tmp_path / "labels.jsonl", [example])
    copies = [{"id": f"copy{k}", "title": "Artillery Drill", "text": f"{story} Report number {k}."}
              for k in range(30)]
    same_text = {"id": "same", "title": "Artillery Drill", "text": story}
    pool = write_jsonl(tmp_path / "pool.jsonl", corpus_rows(200) + copies + [same_text])
    out = tmp_path / "queue.jsonl"
    result = invoke(["suggest", pool, "--model", model_dir, "--labels", labels, "--theme", "military", "-n", 10,
                     "-o", out], fake_embedder)
    assert result.exit_code == 0, result.output
    queue = read_jsonl(out)
    ids = [r["id"] for r in queue]
    assert len(queue) == 10 and "same" not in ids
    assert ids[0].startswith("copy")  # the nearest to the examples comes first ...
    assert sum(i.startswith("copy") for i in ids) == 1  # ... and the story only once
    assert queue[0]["reason"].startswith("like the military examples: similarity 0.9")


def test_a_new_theme_without_examples_is_a_usage_error(tmp_path, model_dir, fake_embedder):
    result = invoke(["suggest", CORPUS, "--model", model_dir, "--theme", "nuclear", "-o", tmp_path / "q.jsonl"],
                    fake_embedder)
    assert result.exit_code == 2
    assert "theme 'nuclear' is not one of the model's" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "q.jsonl").exists()


def candidate(priority, vector, order):
    vector = np.asarray(vector, dtype=np.float32)
    return Candidate(priority, -order, Capture(id=str(order), text=str(order)), {}, [], "", vector,
                     text_key(str(order)))


def test_mmr_never_fills_a_queue_with_copies_of_one_story():
    rng = np.random.default_rng(0)
    story = rng.normal(size=16)
    copies = [candidate(0.99, story + rng.normal(scale=0.05, size=16), k) for k in range(50)]
    others = [candidate(0.6 + 0.01 * k, rng.normal(size=16), 100 + k) for k in range(20)]
    picked = mmr_select(copies + others, 10)
    assert len(picked) == 10
    assert sum(int(c.capture.id) < 50 for c in picked) == 1
    assert picked[0].priority == 0.99


def test_mmr_takes_near_duplicates_only_when_nothing_else_is_left():
    v = np.ones(4)
    picked = mmr_select([candidate(0.9, v, 1), candidate(0.8, v, 2), candidate(0.1, [1, -1, 1, -1], 3)], 3)
    assert [c.capture.id for c in picked] == ["1", "3", "2"]


def test_the_queue_never_overwrites_the_pool_or_the_labels(tmp_path, model_dir, fake_embedder):
    pool = write_jsonl(tmp_path / "pool.jsonl", corpus_rows(12))
    labels = write_jsonl(tmp_path / "labels.jsonl", [{**corpus_rows(1)[0], "themes": ["leader"]}])
    for target in (pool, labels):
        before = target.read_text()
        result = invoke(["suggest", pool, "--model", model_dir, "--labels", labels, "-n", 3, "-o", target],
                        fake_embedder)
        assert result.exit_code == 2 and "also one of the inputs" in result.stderr
        assert target.read_text() == before
