"""Near-duplicates: tag marks the second telling of a story with the id of the first."""

import csv
import io
import json

import numpy as np
import pytest

from kcna_themes import tagging
from kcna_themes.distributed import merge_shards, save_story, story_file
from kcna_themes.duplicates import DuplicateIndex, DuplicateRule, story_vectors

from .conftest import CORPUS, ROOT, SEEDS, fake_services, invoke, records, train_on_fake_embedder, write_jsonl

TWO_STORIES_ONE_EVENT = ROOT / "tests" / "data" / "same-event-two-stories.jsonl"


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return train_on_fake_embedder(tmp_path_factory.mktemp("dup-model"))[0]


def corpus_rows(n=40):
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()[:n]]


def longest(rows):
    return max(rows, key=lambda r: len(r["text"]))


def unit(v):
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)


# ------------------------------------------------------------------ the index


def test_a_copy_of_a_copy_points_at_the_first_and_other_stories_stay_apart():
    index = DuplicateIndex()
    a, b = unit([1, 0, 0, 0]), unit([0, 1, 0, 0])
    assert index.observe("a", "Kim Jong Il Visits Farm", "2011-05-01", a) is None
    assert index.observe("b", "Premier Meets Envoy", "2011-05-01", b) is None
    assert index.observe("a2", "Leader Inspects Farm", "2011-05-02", a) == "a"
    assert index.observe("a3", "Farm Visited", "2011-05-03", a) == "a"
    assert index.observe("b2", "Premier Meets Envoy", "2011-05-02", unit([0.6, 0.8, 0, 0])) is None  # cosine 0.8


def test_close_vectors_count_only_with_similar_headlines():
    rule = DuplicateRule(same_text_cosine=0.99, similar_cosine=0.9, similar_title=0.5)
    near = unit([1, 0.3, 0, 0])  # cosine 0.958 with [1, 0, 0, 0]
    index = DuplicateIndex(rule)
    index.observe("a", "Kim Jong Il Meets Lao President", "2011-09-23", unit([1, 0, 0, 0]))
    assert index.observe("b", "Leader Kim Jong Il Meets Lao President", "2011-09-23", near) == "a"
    assert index.observe("c", "Lao President Leaves", "2011-09-23", unit([1, -0.3, 0, 0])) is None


def test_only_articles_within_the_date_window_are_compared():
    index = DuplicateIndex(DuplicateRule(window_days=3))
    v = unit([1, 2, 3, 4])
    index.observe("a", "t", "2011-05-01", v)
    assert index.observe("b", "t", "2011-05-05", v) is None  # 4 days on
    assert index.observe("c", "t", "2011-04-28", v) == "a"   # 3 days before, read later


def test_undated_articles_are_compared_among_themselves_only():
    index = DuplicateIndex()
    v = unit([1, 1, 0, 0])
    index.observe("dated", "t", "2011-05-01", v)
    assert index.observe("bare1", None, None, v) is None
    assert index.observe("bare2", None, None, v) == "bare1"


def test_story_vectors_leave_out_the_headline_half():
    X = np.array([[3.0, 4.0, 9.0, 9.0]])
    assert np.allclose(story_vectors(X, headline=True).astype(np.float32), [[0.6, 0.8]], atol=1e-3)
    assert story_vectors(X, headline=False).shape == (1, 4)


# ------------------------------------------------------------------ tag, end to end


def test_every_record_has_duplicate_of_in_jsonl_and_csv(model_dir, tmp_path, fake_embedder):
    out = invoke(["tag", SEEDS, "--model", model_dir], fake_embedder)
    assert out.exit_code == 0, out.stderr
    assert [r["duplicate_of"] for r in records(out.stdout)] == [None] * 5
    csv_out = tmp_path / "t.csv"
    assert invoke(["tag", SEEDS, "--model", model_dir, "-o", csv_out], fake_embedder).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    assert "duplicate_of" in rows[0] and [r["duplicate_of"] for r in rows] == [""] * 5


def test_the_same_capture_saved_twice_under_different_names(model_dir, tmp_path, fake_embedder):
    page = next(SEEDS.glob("001_*.txt")).read_text(encoding="utf-8")
    folder = tmp_path / "saves"
    folder.mkdir()
    (folder / "a-harmonious-whole.txt").write_text(page, encoding="utf-8")
    # saved again a day later: the same page, with a typo corrected on the site meanwhile
    resaved = page.replace("the Party and the masses", "the Party and the masses of people", 1)
    assert resaved != page
    (folder / "b-saved-again.txt").write_text(resaved, encoding="utf-8")
    (folder / "c-byte-identical-copy.txt").write_text(page, encoding="utf-8")
    result = invoke(["tag", folder, "--model", model_dir], fake_embedder)
    first, again = records(result.stdout)
    assert first["duplicate_of"] is None and again["duplicate_of"] == first["id"] != again["id"]
    # a byte-identical copy has the same content id: it is reported once and not counted again
    assert result.exit_code == 1 and "c-byte-identical-copy.txt" in result.stderr and "duplicate id" in result.stderr


def test_a_reprint_with_a_changed_headline_across_input_files(model_dir, tmp_path, fake_embedder):
    original = longest(corpus_rows())
    reprint = dict(original, id="reprint-1", title="Rodong Sinmun Carries It Too", date="2011-02-02")
    first = write_jsonl(tmp_path / "kcna.jsonl", corpus_rows())
    second = write_jsonl(tmp_path / "rodong.jsonl", [reprint])
    out = records(invoke(["tag", first, second, "--model", model_dir], fake_embedder).stdout)
    assert out[-1]["id"] == "reprint-1" and out[-1]["duplicate_of"] == original["id"]
    assert sum(r["duplicate_of"] is not None for r in out) == 1


@pytest.mark.integration
def test_two_different_stories_on_the_same_event_stay_two_and_a_reprint_is_one(tmp_path):
    """Real KCNA: the DPRK-Russia committee's meeting and the protocol it signed, the same day
    (the real model's vectors; the fake embedder's word hashing cannot tell them apart)."""
    from click.testing import CliRunner

    from kcna_themes.cli import cli

    meeting, protocol = [json.loads(line) for line in TWO_STORIES_ONE_EVENT.read_text(encoding="utf-8").splitlines()]
    reprint = dict(meeting, id="reprint", title="Intergovernmental Committee Meets in Pyongyang")
    src = write_jsonl(tmp_path / "in.jsonl", [meeting, protocol, reprint])
    result = CliRunner().invoke(cli, ["tag", str(src), "--quiet"])
    assert result.exit_code == 0, result.stderr
    assert [r["duplicate_of"] for r in records(result.stdout)] == [None, None, meeting["id"]]


def test_resume_marks_a_copy_of_a_record_written_before_the_interruption(model_dir, tmp_path, fake_embedder):
    rows = corpus_rows(30)
    original = rows[3]
    rows.append(dict(original, id="late-copy", title="The Same Story Again"))
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    full, partial = tmp_path / "full.jsonl", tmp_path / "partial.jsonl"
    assert invoke(["tag", src, "--model", model_dir, "-o", full], fake_embedder).exit_code == 0
    assert records(full.read_text())[-1]["duplicate_of"] == original["id"]
    partial.write_text("".join(full.read_text().splitlines(keepends=True)[:10]))
    result = invoke(["tag", src, "--model", model_dir, "-o", partial, "--resume"], fake_embedder)
    assert result.exit_code == 0, result.stderr
    assert partial.read_text() == full.read_text()


def test_merging_dask_shards_marks_copies_across_shards(model_dir, tmp_path, fake_embedder):
    """Each shard marks within itself; the merge marks across, as one machine would."""
    rows = corpus_rows(12)
    rows.append(dict(rows[2], id="copy-in-shard-2", title="A New Headline"))
    whole = write_jsonl(tmp_path / "all.jsonl", rows)
    single = records(invoke(["tag", whole, "--model", model_dir], fake_embedder).stdout)
    assert single[-1]["duplicate_of"] == rows[2]["id"]

    from kcna_themes.batch import BatchLog
    from kcna_themes.captures import read_captures
    from kcna_themes.tagging import load_tagger

    model, _ = load_tagger(model_dir, load_embedder=fake_services(fake_embedder).load_embedder)
    results = []
    for n, part in enumerate((rows[:7], rows[7:])):
        out = tmp_path / f"shard-{n}.jsonl"
        kept: list = []
        with open(out, "w", encoding="utf-8") as fh:
            captures = read_captures([str(write_jsonl(tmp_path / f"in-{n}.jsonl", part))], BatchLog())
            tagging.write_tagged(captures, model, fh, on_story=lambda v, b, kept=kept: kept.append((v, b)))
        vectors, bodies = [v for v, _ in kept], [b for _, b in kept]
        save_story(story_file(str(out)), vectors, bodies)
        results.append({"out": str(out), "story": story_file(str(out))})
    assert records((tmp_path / "shard-1.jsonl").read_text())[-1]["duplicate_of"] is None  # alone in its shard
    merged = tmp_path / "merged.jsonl"
    merge_shards(results, str(merged))
    def without_path(rows):  # the shards read their own part files
        return [{k: v for k, v in r.items() if k != "path"} for r in rows]

    assert without_path(records(merged.read_text())) == without_path(single)
