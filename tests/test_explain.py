"""Explanations: sentences, lexical terms, nearest labelled articles; `explain` and `tag --explain`."""

import json
import re

import numpy as np
import pytest

from kcna_themes.captures import Capture, classifier_text
from kcna_themes.classifier import ActorFeatures, ThemeClassifier, leads
from kcna_themes.explain import (
    Explainer,
    block_weights,
    format_text,
    own_term_contributions,
    split_sentences,
    term_contributions,
)
from kcna_themes.metadata import METADATA_FILE, read_metadata
from kcna_themes.model import load_model
from kcna_themes.neighbours import NEIGHBOURS_FILE, NO_INDEX, SAME_ARTICLE, LabelledIndex, load_index

from .conftest import (
    CORPUS,
    SEEDS,
    FakeEmbedder,
    invoke,
    make_labelled,
    records,
    train_on_fake_embedder,
    write_jsonl,
    write_press_review,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder, _ = train_on_fake_embedder(tmp_path_factory.mktemp("explain"))
    return folder


@pytest.fixture(scope="module")
def labels_file(model_dir):
    return model_dir.parent / "labels.jsonl"


@pytest.fixture(scope="module")
def fitted():
    rows = make_labelled()
    texts = [r["text"] for r in rows]
    clf = ThemeClassifier(embedder=FakeEmbedder(), lexical_dims=16, threshold_folds=3).fit(
        texts, [r["themes"] for r in rows])
    return clf, texts


# ------------------------------------------------------------------ sentences

def test_sentences_split_at_full_stops_and_lines_but_not_after_abbreviations():
    text = ("Pyongyang, May 3 (KCNA) -- Kim Jong Il inspected the Ryongsong Machine Complex. He praised the "
            "workers! Mr. Kim met the U.S. delegation on May 2. \"It was good,\" he said.\n"
            "A new paragraph starts here\n-0-")
    assert split_sentences(text) == [
        "Pyongyang, May 3 (KCNA) -- Kim Jong Il inspected the Ryongsong Machine Complex.",
        "He praised the workers!",
        "Mr. Kim met the U.S. delegation on May 2.",
        "\"It was good,\" he said.",
        "A new paragraph starts here",
    ]


def test_sentences_of_empty_or_odd_text():
    assert split_sentences("") == []
    assert split_sentences("...\n\n. . !") == []
    assert split_sentences("no full stop at all in this text") == ["no full stop at all in this text"]


# ------------------------------------------------------------------ lexical terms

def test_contributions_add_up_to_the_lexical_share_of_the_decision_function(fitted):
    clf, texts = fitted
    j = clf.themes_.index("leader")
    coef = clf.coefs_[j][0]  # the first calibration fold's regression
    d = clf.n_embedding_dims_
    text = texts[0]
    lex = clf.lexical_.n_components
    heads = clf.headline_.transform([text])  # the headline's terms follow the lexical block
    actors = np.hstack([ActorFeatures().transform([text]), clf.lead_.transform([text])])  # leader's own, after
    F = np.hstack([FakeEmbedder().embed([text]), clf.lexical_.transform([text]), heads, actors])
    lexical_share = F[0] @ coef - F[0, :d] @ coef[:d] - np.hstack([heads, actors])[0] @ coef[d + lex:]
    terms = term_contributions(clf.lexical_, coef[d:d + lex], [text])[0]
    assert terms and sum(v for _, v in terms) == pytest.approx(lexical_share, rel=1e-4, abs=1e-5)
    assert [abs(v) for _, v in terms] == sorted((abs(v) for _, v in terms), reverse=True)


def test_headline_terms_add_up_to_the_headlines_share_of_the_decision_function(fitted):
    clf, texts = fitted
    j = clf.themes_.index("sport")
    coef = clf.coefs_[j].mean(axis=0)  # as the explainer reads it: averaged over the calibration folds
    start = clf.n_embedding_dims_ + clf.lexical_.n_components
    text = classifier_text("The players won.", "Football Match Held")
    heads = clf.headline_.transform([text])[0]
    terms = own_term_contributions(clf.headline_, coef[start:start + clf.headline_.n_terms], [text])[0]
    assert terms and sum(v for _, v in terms) == pytest.approx(heads @ coef[start:start + len(heads)], abs=1e-5)
    assert {t for t, _ in terms} <= {"football", "match", "held", "football match", "match held"}
    part = {"score": 0.9, "threshold": 0.5, "tagged": True, "sentences": [], "terms": [],
            "headline_terms": [{"term": t, "contribution": v} for t, v in terms]}
    shown = format_text({"title": "Football Match Held", "explanation": {
        "themes": {"sport": part}, "neighbours": None, "neighbours_note": NO_INDEX}})
    assert f"headline terms: {'+' if terms[0][1] > 0 else '-'}{terms[0][0]}" in shown


def test_a_theme_word_in_the_text_pushes_towards_its_theme(fitted):
    clf, _ = fitted
    j = clf.themes_.index("sport")
    weights = block_weights(clf.coefs_[j], clf.feature_blocks(j)["lexical"])
    assert weights is not None and weights.shape == (clf.lexical_.n_components,)
    terms = dict(term_contributions(clf.lexical_, weights, ["the football players won the match"])[0])
    assert terms["football"] > 0 and terms["players"] > 0
    assert "harvest" not in terms  # absent from the text: no contribution
    other = dict(term_contributions(clf.lexical_, weights, ["the farm harvest of rice"])[0])
    assert other["harvest"] < 0  # an agriculture word pushes away from sport


def test_feature_blocks_tile_each_themes_weights_in_the_order_the_features_are_stacked(fitted):
    clf, texts = fitted
    text = clf.reads(texts[:1])  # as the features read it
    own = {"embedding": FakeEmbedder().embed(text), "lexical": clf.lexical_.transform(text),
           "headline": clf.headline_.transform(text), "actors": ActorFeatures().transform(text),
           "lead": clf.lead_.transform(text)}
    probs = clf.predict_proba(texts[:1], rulings=False)[0]
    for j, theme in enumerate(clf.themes_):
        blocks = clf.feature_blocks(j)
        stacked = ["embedding", "lexical", "headline"] + (["actors", "lead"] if theme == "leader" else [])
        expected = [name for name in stacked if own[name].shape[1]]  # an empty block is left out
        assert list(blocks) == expected and ("actors" in expected) == (theme == "leader")
        assert [b.start for b in blocks.values()] == [0] + [b.stop for b in blocks.values()][:-1]
        assert max(b.stop for b in blocks.values()) == clf.coefs_[j].shape[1]
        # each calibration fold's decision from the blocks alone, through its Platt scaling, averaged
        decisions = np.array([sum(own[name][0] @ coef[block] for name, block in blocks.items()) + intercept
                              for coef, intercept in zip(clf.coefs_[j], clf.intercepts_[j])])
        slope, offset = clf.platt_[j][:, 0], clf.platt_[j][:, 1]
        assert np.mean(1.0 / (1.0 + np.exp(slope * decisions + offset))) == pytest.approx(probs[j], rel=1e-5)


@pytest.fixture(scope="module")
def fitted_with_titles():
    """As ``fitted``, on texts with their headlines, so that each has a lead the lead terms read."""
    rows = make_labelled()
    texts = [classifier_text(r["text"], r["title"]) for r in rows]
    clf = ThemeClassifier(embedder=FakeEmbedder(), lexical_dims=16, threshold_folds=3).fit(
        texts, [r["themes"] for r in rows])
    return clf, texts, rows


def test_decision_parts_add_up_to_the_folds_mean_decision_and_the_lead_terms_to_their_part(fitted_with_titles):
    clf, texts, rows = fitted_with_titles
    leader = clf.themes_.index("leader")
    sample = texts[:3] + [t for t, r in zip(texts, rows) if r["themes"] == ["leader"]][:2]
    read = clf.reads(sample)
    own = {"embedding": FakeEmbedder().embed(read), "lexical": clf.lexical_.transform(read),
           "headline": clf.headline_.transform(read), "actors": ActorFeatures().transform(read),
           "lead": clf.lead_.transform(read)}
    parts = clf.decision_parts(sample)
    assert len(parts) == len(clf.themes_) and "lead" in parts[leader]
    for j in range(len(clf.themes_)):
        blocks = clf.feature_blocks(j)
        assert list(parts[j]) == ["intercept", *blocks]
        decisions = [sum(own[name] @ coef[block] for name, block in blocks.items()) + intercept
                     for coef, intercept in zip(clf.coefs_[j], clf.intercepts_[j])]
        assert sum(parts[j].values()) == pytest.approx(np.mean(decisions, axis=0), rel=1e-5, abs=1e-6)
    lead_weights = block_weights(clf.coefs_[leader], clf.feature_blocks(leader)["lead"])
    terms = own_term_contributions(clf.lead_, lead_weights, read[-1:])[0]
    lead_words = set(re.findall(r"\w+", leads(read[-1:])[0].lower()))
    assert terms and all(set(t.split()) <= lead_words for t, _ in terms)
    assert sum(v for _, v in terms) == pytest.approx(parts[leader]["lead"][-1], abs=1e-5)
    assert sum(v for t, v in terms) > 0  # a leader article's lead pushes towards leader


def test_no_block_weights_for_a_theme_too_rare_to_learn_or_a_block_the_model_lacks():
    assert block_weights(np.zeros((0, 3)), slice(1, 2)) is None  # no folds: the theme's base rate
    assert block_weights(np.ones((2, 3)), None) is None


# ------------------------------------------------------------------ the explainer

def test_sentences_are_ranked_by_their_own_scores(model_dir):
    model = load_model(model_dir, FakeEmbedder())
    body = ("The delegation held talks with the foreign minister at the embassy. The weather was fine that day. "
            "The football team won the championship match and gold medals. People in Pyongyang said this and that.")
    capture = Capture(id="x", text=body, title="A day")
    probs = model.score([capture.embed_text])
    [explanation] = Explainer(model, None).explain([capture], probs, asked=["sport", "diplomacy"])
    sentences = split_sentences(body)
    own = model.score([classifier_text(s) for s in sentences], rulings=False)
    football = classifier_text(sentences[2])  # names nothing of the DPRK: world news, were it an article
    assert model.score([football])[0].max() == 0 and own[2, model.themes.index("sport")] > 0.5
    for theme in ("sport", "diplomacy"):
        j = model.themes.index(theme)
        given = explanation["themes"][theme]["sentences"]
        assert len(given) == 2
        assert [s["score"] for s in given] == [round(float(v), 4) for v in sorted(own[:, j], reverse=True)[:2]]
        assert given[0]["text"] == sentences[int(np.argmax(own[:, j]))]
    assert "football" in explanation["themes"]["sport"]["sentences"][0]["text"]
    assert "delegation" in explanation["themes"]["diplomacy"]["sentences"][0]["text"]
    assert explanation["neighbours"] is None and explanation["neighbours_note"] == NO_INDEX
    sport = explanation["themes"]["sport"]  # reads neither who acts nor the lead's terms
    assert list(sport["decision"]) == ["intercept", "embedding", "lexical", "headline"] and sport["lead_terms"] == []


def test_explaining_takes_the_scores_it_is_given(model_dir):
    model = load_model(model_dir, FakeEmbedder())
    capture = Capture(id="x", text="The farm harvest of rice was good. Farmers sowed crops.", title="Farm")
    probs = model.score([capture.embed_text])
    [explanation] = Explainer(model, None).explain([capture], probs)
    tagged = model.themes_over_threshold(probs[0])
    assert list(explanation["themes"]) == tagged
    for theme, part in explanation["themes"].items():
        assert part["score"] == round(float(probs[0, model.themes.index(theme)]), 4) and part["tagged"]


def test_nearest_labelled_article_of_a_labelled_article_is_itself(model_dir, labels_file):
    result = invoke(["explain", labels_file, "--model", model_dir, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    out = records(result.stdout)
    assert len(out) == len(make_labelled())
    for record in out:
        neighbours = record["explanation"]["neighbours"]
        assert len(neighbours) == 3
        assert neighbours[0]["id"] == record["id"] and neighbours[0]["similarity"] == pytest.approx(1.0, abs=2e-3)
        assert [n["similarity"] for n in neighbours] == sorted((n["similarity"] for n in neighbours), reverse=True)
    first = next(r for r in out if r["id"] == "a1")
    assert first["explanation"]["neighbours"][0]["themes"] == ["leader"]


# ------------------------------------------------------------------ the index in the model folder

def test_the_index_contains_a_vector_at_or_above_the_same_article_cosine():
    vectors = np.eye(4, dtype=np.float16)
    index = LabelledIndex(ids=list("abcd"), titles=list("abcd"), dates=[None] * 4, themes=[[]] * 4, vectors=vectors)
    tilt = np.sqrt(1 - SAME_ARTICLE ** 2)
    queries = np.array([[1, 0, 0, 0], [SAME_ARTICLE + 0.001, np.sqrt(1 - (SAME_ARTICLE + 0.001) ** 2), 0, 0],
                        [SAME_ARTICLE - 0.01, 0, tilt + 0.05, 0], [0.5, 0.5, 0.5, 0.5], [0, 0, 0, -1]])
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    expected = [True, True, False, False, False]
    assert index.contains(queries).tolist() == expected
    assert index.contains(queries, chunk=2).tolist() == expected  # in pieces, the same
    assert index.contains(np.zeros((0, 4))).tolist() == []
    empty = LabelledIndex(ids=[], titles=[], dates=[], themes=[], vectors=np.zeros((0, 4), dtype=np.float16))
    assert empty.contains(queries).tolist() == [False] * 5


def test_training_writes_the_index_and_records_its_checksum(model_dir):
    metadata = read_metadata(model_dir)
    assert metadata.neighbours is not None and metadata.neighbours.file == NEIGHBOURS_FILE
    assert metadata.neighbours.count == len(make_labelled())
    index = load_index(model_dir, metadata)
    assert index is not None and index.vectors.dtype == np.float16 and len(index.ids) == metadata.neighbours.count
    with np.load(model_dir / NEIGHBOURS_FILE, allow_pickle=False) as data:  # arrays only, no pickle
        assert {"ids", "titles", "dates", "themes", "vectors"} <= set(data.files)


def test_a_folder_without_the_index_still_explains_and_says_why(tmp_path, model_dir):
    import shutil

    folder = tmp_path / "old"
    shutil.copytree(model_dir, folder)
    data = json.loads((folder / METADATA_FILE).read_text())
    del data["neighbours"]
    (folder / METADATA_FILE).write_text(json.dumps(data))
    (folder / NEIGHBOURS_FILE).unlink()
    result = invoke(["explain", SEEDS, "--model", folder])
    assert result.exit_code == 0, result.stderr
    assert "retrain to get neighbours" in result.output and "terms:" in result.output
    result = invoke(["explain", SEEDS, "--model", folder, "--format", "json"])
    explanation = records(result.stdout)[0]["explanation"]
    assert explanation["neighbours"] is None and explanation["neighbours_note"] == NO_INDEX


def test_a_swapped_index_is_refused(tmp_path, model_dir):
    import shutil

    folder = tmp_path / "swapped"
    shutil.copytree(model_dir, folder)
    (folder / NEIGHBOURS_FILE).write_bytes((folder / NEIGHBOURS_FILE).read_bytes() + b"\0")
    result = invoke(["explain", SEEDS, "--model", folder])
    assert result.exit_code == 2
    assert "neighbours.npz" in result.stderr and "checksum" in result.stderr and "Traceback" not in result.output
    assert invoke(["tag", SEEDS, "--model", folder]).exit_code == 0  # tag does not read it


# ------------------------------------------------------------------ the command line

def test_explain_a_theme_not_tagged(model_dir):
    result = invoke(["explain", SEEDS / "001_29e2a1c26f3ffd0d.txt", "--model", model_dir, "--theme", "sport",
                     "--format", "json"])
    assert result.exit_code == 0, result.stderr
    [record] = records(result.stdout)
    assert "sport" not in record["themes"]
    part = record["explanation"]["themes"]["sport"]
    assert part["tagged"] is False and part["score"] == record["scores"]["sport"]
    assert len(part["sentences"]) == 2 and part["terms"]
    assert list(record["explanation"]["themes"]) == record["themes"] + ["sport"]


def test_a_digest_is_explained_by_ruling_11_not_by_its_items(tmp_path, model_dir):
    digest = write_press_review(tmp_path / "press-review.txt", "Kim Jong Il provided field guidance to a factory")
    result = invoke(["explain", digest, SEEDS / "001_29e2a1c26f3ffd0d.txt", "--model", model_dir,
                     "--theme", "leader", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    ruled, seed = records(result.stdout)
    assert ruled["explanation"]["digest"] is True and seed["explanation"]["digest"] is False
    part = ruled["explanation"]["themes"]["leader"]
    assert part["score"] == 0 and not part["tagged"] and part["sentences"][0]["score"] > 0.5  # its items are
    text = invoke(["explain", digest, "--model", model_dir]).output
    assert "ruling 11" in text and "no theme reaches its threshold" not in text


def test_an_unknown_theme_is_a_usage_error(model_dir):
    result = invoke(["explain", SEEDS, "--model", model_dir, "--theme", "weather"])
    assert result.exit_code == 2 and "weather" in result.output + result.stderr


def test_bad_inputs_are_skipped_as_tag_skips_them(tmp_path, model_dir):
    good = {"id": "g1", "title": "Harvest", "text": "The farm harvest of rice was good. Farmers sowed crops."}
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    explained = invoke(["explain", mixed, tmp_path / "empty.txt", "--model", model_dir, "--format", "json"])
    tagged = invoke(["tag", mixed, tmp_path / "empty.txt", "--model", model_dir])
    assert explained.exit_code == tagged.exit_code == 1
    assert [r["id"] for r in records(explained.stdout)] == ["g1"]
    assert "mixed.jsonl:2" in explained.stderr and "empty.txt" in explained.stderr


def test_tag_explain_changes_no_theme_score_or_duplicate(tmp_path, model_dir):
    (tmp_path / "in").mkdir()
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()[:40]]
    write_jsonl(tmp_path / "in" / "slice.jsonl", rows)
    capture = SEEDS / "001_29e2a1c26f3ffd0d.txt"
    # the same page saved twice, once with a word changed: a near-duplicate, not the same id
    page = capture.read_text(encoding="utf-8")
    (tmp_path / "in" / "a.txt").write_text(page, encoding="utf-8")
    (tmp_path / "in" / "b.txt").write_text(page.replace(" the ", " this ", 1), encoding="utf-8")
    plain = invoke(["tag", tmp_path / "in", "--model", model_dir])
    explained = invoke(["tag", tmp_path / "in", "--model", model_dir, "--explain"])
    assert plain.exit_code == explained.exit_code == 0, explained.stderr
    plain_records, explained_records = records(plain.stdout), records(explained.stdout)
    assert len(plain_records) == len(rows) + 2
    assert any(r["duplicate_of"] for r in plain_records)
    for before, after in zip(plain_records, explained_records, strict=True):
        explanation = after.pop("explanation")
        assert after == before
        assert set(before["themes"]) <= set(explanation["themes"])


def test_tag_explain_refuses_csv(tmp_path, model_dir):
    result = invoke(["tag", SEEDS, "--model", model_dir, "--explain", "-o", tmp_path / "out.csv"])
    assert result.exit_code == 2 and "JSON Lines only" in result.output + result.stderr
    assert not (tmp_path / "out.csv").exists()


def test_text_form_reads_plain_without_colour_and_highlights_with_it(model_dir):
    result = invoke(["explain", SEEDS / "001_29e2a1c26f3ffd0d.txt", "--model", model_dir, "--format", "json",
                     "--theme", "leader"])
    [record] = records(result.stdout)
    plain = format_text(record)
    assert not ANSI.search(plain)
    assert plain.splitlines()[0].startswith(record["title"])
    assert "  leader  " in plain and "threshold" in plain and "nearest labelled articles:" in plain
    coloured = format_text(record, color=True)
    assert ANSI.search(coloured) and ANSI.sub("", coloured) == plain
    positive = [t["term"] for t in record["explanation"]["themes"]["leader"]["terms"] if t["contribution"] > 0]
    top_sentence = record["explanation"]["themes"]["leader"]["sentences"][0]["text"]
    present = [t for t in positive if re.search(rf"\b{re.escape(t)}\b", top_sentence, re.IGNORECASE)]
    if present:  # the theme's words are set apart in its sentence
        assert re.search(r"\x1b\[[0-9;]*m" + re.escape(present[0]), coloured, re.IGNORECASE)
    leader = record["explanation"]["themes"]["leader"]
    assert list(leader["decision"]) == ["intercept", "embedding", "lexical", "headline", "actors", "lead"]
    total = sum(leader["decision"].values())
    assert f"log-odds before calibration {total:+.2f} = base {leader['decision']['intercept']:+.2f}, " in plain
    assert leader["lead_terms"] and f"lead terms: {'+' if leader['lead_terms'][0]['contribution'] > 0 else '-'}" \
        f"{leader['lead_terms'][0]['term']} " in plain
    cli_text = invoke(["explain", SEEDS / "001_29e2a1c26f3ffd0d.txt", "--model", model_dir, "--theme", "leader"])
    assert cli_text.exit_code == 0 and not ANSI.search(cli_text.output)  # not a terminal: plain


@pytest.mark.integration
def test_the_shipped_model_explains_the_example_captures(tmp_path):
    from click.testing import CliRunner

    from kcna_themes.cli import cli
    from kcna_themes.metadata import default_model_dir

    from .conftest import ROOT

    labelled = json.loads((ROOT / "labels" / "kcna-2011.jsonl").read_text(encoding="utf-8").splitlines()[0])
    write_jsonl(tmp_path / "labelled.jsonl", [labelled])
    cache = ["--cache-dir", tmp_path / "cache"]
    runner = CliRunner()
    tagged = runner.invoke(cli, [str(a) for a in ["tag", SEEDS, *cache, "--quiet"]])
    explained = runner.invoke(cli, [str(a) for a in ["explain", SEEDS, tmp_path / "labelled.jsonl", *cache,
                                                     "--format", "json"]])
    assert tagged.exit_code == explained.exit_code == 0, explained.stderr
    assert read_metadata(default_model_dir()).neighbours is not None
    out = records(explained.stdout)
    for before, record in zip(records(tagged.stdout), out[:-1], strict=True):
        after = dict(record)
        explanation = after.pop("explanation")
        assert after == before
        assert list(explanation["themes"]) == before["themes"]
        for part in explanation["themes"].values():
            assert len(part["sentences"]) == 2 and part["terms"]
        assert len(explanation["neighbours"]) == 3
        assert all(0 < n["similarity"] <= 1 and n["title"] for n in explanation["neighbours"])
    mass_movement = out[0]["explanation"]["themes"]
    # construction only: heritage scores within 0.01 of its threshold, and the int8 encoder's
    # vectors differ a little between CPUs (AVX2 tags it, AVX-512 VNNI does not)
    assert "construction" in mass_movement
    construction_terms = {t["term"]: t["contribution"] for t in mass_movement["construction"]["terms"]}
    assert construction_terms.get("construction", 0) > 0
    nearest = out[-1]["explanation"]["neighbours"][0]
    assert nearest["id"] == out[-1]["id"] and nearest["similarity"] > 0.99


def test_the_neighbours_field_is_optional_and_checked(tmp_path, model_dir):
    import shutil

    from kcna_themes.errors import ModelError
    from kcna_themes.metadata import ModelMetadata

    data = json.loads((model_dir / METADATA_FILE).read_text())
    without = {k: v for k, v in data.items() if k != "neighbours"}
    assert ModelMetadata.from_dict(without, "m").neighbours is None
    assert "neighbours" not in ModelMetadata.from_dict(without, "m").to_dict()  # an older folder is written as it was
    assert ModelMetadata.from_dict(data, "m").to_dict() == data
    for bad in ({"file": "../elsewhere.npz", "sha256": "0", "count": 1}, {"file": NEIGHBOURS_FILE}, "x"):
        with pytest.raises(ModelError, match="corrupt"):
            ModelMetadata.from_dict({**data, "neighbours": bad}, "m")
    folder = tmp_path / "missing"
    shutil.copytree(model_dir, folder)
    (folder / NEIGHBOURS_FILE).unlink()
    result = invoke(["explain", SEEDS, "--model", folder])
    assert result.exit_code == 2 and "neighbours.npz cannot be read" in result.stderr
