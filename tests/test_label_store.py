"""The labelled file is append-only, and the latest line of an id is the label train reads."""

import json

import pytest

from kcna_themes.batch import BatchLog
from kcna_themes.captures import Capture
from kcna_themes.errors import KcnaThemesError, LabelError, OutputError
from kcna_themes.labelling.definitions import YOUR_THEME, codebook_definitions
from kcna_themes.labelling.session import Item, LabellingSession
from kcna_themes.labelling.store import LabelStore
from kcna_themes.labels import read_labelled

from .conftest import invoke, make_labelled, write_jsonl


def test_a_later_line_with_the_same_id_and_text_relabels_the_article(tmp_path):
    rows = make_labelled(n_per_theme=5, n_none=2)
    relabel = dict(rows[0], text="  " + rows[0]["text"].replace(" ", "\n "), themes=["sport"])  # re-spaced
    path = write_jsonl(tmp_path / "l.jsonl", rows + [relabel])
    articles = read_labelled([str(path)], BatchLog(), min_support=1)
    assert len(articles) == len(rows)
    assert articles[0].capture.id == rows[0]["id"] and articles[0].themes == ["sport"]
    assert articles[0].capture.line == len(rows) + 1


def test_the_same_id_with_another_text_is_still_refused(tmp_path):
    rows = make_labelled(n_per_theme=5, n_none=2)
    path = write_jsonl(tmp_path / "l.jsonl", rows + [dict(rows[0], text="Another article altogether.")])
    log = BatchLog()
    assert read_labelled([str(path)], log) == []
    assert log.skipped["duplicate id"] == 1


def test_train_and_evaluate_read_the_latest_label(tmp_path, fake_embedder):
    rows = make_labelled(n_per_theme=6, n_none=6)
    # every sport article first labelled agriculture, then corrected
    wrong = [dict(r, themes=["agriculture"]) for r in rows if r["themes"] == ["sport"]]
    right = [r for r in rows if r["themes"] == ["sport"]]
    others = [r for r in rows if r["themes"] != ["sport"]]
    path = write_jsonl(tmp_path / "l.jsonl", wrong + others + right)
    result = invoke(["train", path, "--model", tmp_path / "m", "--folds", 2, "--no-headline"], fake_embedder)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["training"]["size"] == len(rows)
    assert meta["training"]["positives"]["sport"] == 6 and meta["training"]["positives"]["agriculture"] == 6
    result = invoke(["evaluate", path, "--model", tmp_path / "m", "--include-trained"], fake_embedder)
    assert result.exit_code == 0 and f"on {len(rows)} labelled articles" in result.output


def capture(k):
    return Capture(id=f"c{k}", text=f"Text of article {k}.", title=f"Title {k}", published="2024-01-0" + str(k),
                   source="KCNA", url=f"http://example.org/{k}")


def test_every_answer_is_one_appended_line_in_the_format_train_reads(tmp_path):
    path = tmp_path / "labels.jsonl"
    store = LabelStore(path)
    store.append(capture(1), ["leader"], via="label", annotator="ana")
    store.append(capture(2), [], via="label")
    store.append(capture(1), ["leader", "diplomacy"], via="review")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["id"], r["themes"], r["via"]) for r in lines] == [("c1", ["leader"], "label"), ("c2", [], "label"),
                                                                 ("c1", ["leader", "diplomacy"], "review")]
    assert lines[0]["annotator"] == "ana" and "annotator" not in lines[1]
    assert lines[0]["url"] == "http://example.org/1" and lines[0]["date"] == "2024-01-01"
    assert {a.capture.id: a.themes for a in read_labelled([str(path)], BatchLog(), min_support=1)} == \
        {"c1": ["leader", "diplomacy"], "c2": []}
    reopened = LabelStore(path)
    assert reopened.latest["c1"]["themes"] == ["leader", "diplomacy"]
    assert reopened.counts() == {"leader": 1, "diplomacy": 1, "(none)": 1}


def test_a_line_torn_by_a_crash_is_cut_off_on_opening(tmp_path):
    path = tmp_path / "labels.jsonl"
    LabelStore(path).append(capture(1), ["leader"], via="label")
    with open(path, "a") as fh:
        fh.write('{"id": "c2", "title": "Tit')  # killed mid-write: never confirmed to the page
    notes = []
    store = LabelStore(path, echo=notes.append)
    assert list(store.latest) == ["c1"] and "unfinished last line" in notes[0]
    store.append(capture(2), [], via="label")
    assert [a.capture.id for a in read_labelled([str(path)], BatchLog(), min_support=1)] == ["c1", "c2"]


def test_a_csv_or_malformed_label_file_is_refused(tmp_path):
    with pytest.raises(OutputError, match="name a .jsonl file"):
        LabelStore(tmp_path / "labels.csv")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "themes": []}\nnot json\n')
    with pytest.raises(LabelError, match="bad.jsonl:2: malformed JSON line"):
        LabelStore(bad)


def session(tmp_path, mode="label"):
    items = [Item(capture(k), {"leader": 0.7, "sport": 0.1}, ["leader"]) for k in (1, 2, 3)]
    return LabellingSession(items, LabelStore(tmp_path / "labels.jsonl"), ["leader", "sport"], mode)


def test_the_session_resumes_at_the_first_unlabelled_article(tmp_path):
    first = session(tmp_path)
    assert first.first_open() == 0
    first.answer("c1", ["sport", "leader", "sport"])
    first.answer("c3", [])
    again = session(tmp_path)
    assert again.first_open() == 1 and again.done() == 2
    state = again.state()
    assert state["position"] == 1 and [i["saved"] for i in state["items"]] == [["leader", "sport"], None, []]
    assert state["counts"] == {"leader": 1, "sport": 1, "(none)": 1}


def test_the_page_can_name_only_queued_articles_and_known_or_added_themes(tmp_path):
    s = session(tmp_path)
    with pytest.raises(LabelError, match="unknown article"):
        s.answer("../../etc/passwd", [])
    with pytest.raises(LabelError, match="unknown theme"):
        s.answer("c1", ["military"])
    with pytest.raises(LabelError, match="bad theme name"):
        s.add_theme("<script>")
    table = s.add_theme("Military")["themes"]
    assert [t["name"] for t in table] == ["leader", "sport", "military"] and table[2]["key"] == "3"
    assert table[2]["definition"] == YOUR_THEME and table[0]["definition"].startswith("a supreme leader")
    assert s.answer("c1", ["military"])["saved"] == ["military"]


def test_a_review_session_counts_an_article_done_once_reviewed(tmp_path):
    labelled = session(tmp_path)
    labelled.answer("c1", ["leader"])
    review = session(tmp_path, mode="review")
    assert review.first_open() == 0
    review.answer("c1", ["leader"])
    assert session(tmp_path, mode="review").first_open() == 1


def test_an_empty_queue_is_refused(tmp_path):
    with pytest.raises(KcnaThemesError, match="nothing to label"):
        LabellingSession([], LabelStore(tmp_path / "l.jsonl"), ["leader"])


def test_the_definitions_are_the_codebook_table():
    assert list(codebook_definitions()) == ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]
    assert codebook_definitions()["sport"].startswith("sport and physical culture")


def test_label_on_a_port_in_use_is_refused_in_one_line(tmp_path, fake_embedder):
    import socket

    queue = write_jsonl(tmp_path / "queue.jsonl", [{"id": "a", "text": "Some text.", "scores": {"leader": 0.5}}])
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = invoke(["label", queue, "--labels", tmp_path / "l.jsonl", "--port", port, "--no-browser"],
                        fake_embedder)
    assert result.exit_code == 2 and f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.output


def test_label_refuses_a_queue_with_nothing_to_label(tmp_path, fake_embedder):
    queue = tmp_path / "queue.jsonl"
    queue.write_text('{"id": "a", "text": ""}\n')
    result = invoke(["label", queue, "--labels", tmp_path / "l.jsonl", "--no-browser"], fake_embedder)
    assert result.exit_code == 2 and "nothing to label" in result.stderr
    assert "queue.jsonl:1: empty text" in result.stderr


@pytest.mark.parametrize("content, reason", [
    (b'{"id": "a", "themes": [], "n": ' + b"[" * 3000 + b"]" * 3000 + b"}\n", "JSON nested too deeply"),
    (b'{"id": "a", "title": "caf\xe9", "themes": []}\n{oops\n', "malformed JSON line")])
def test_the_store_reads_its_file_as_train_does_naming_a_bad_line(tmp_path, content, reason):
    path = tmp_path / "labels.jsonl"
    path.write_bytes(content)
    with pytest.raises(LabelError, match=reason):
        LabelStore(path)
