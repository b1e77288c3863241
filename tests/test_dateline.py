"""The learned features read an article without KCNA's dateline; the rulings read it whole."""

import json

import numpy as np

from kcna_themes.captures import classifier_text, without_dateline
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.world_news import is_world_news

from .conftest import TOPICS, FakeEmbedder, invoke, make_labelled, records, write_jsonl

THEMES = list(TOPICS)
BODY = f"{TOPICS['construction']} in Nampho."  # names the DPRK: no world news (ruling 6)


def test_the_dateline_goes_from_the_body_or_a_bare_captures_first_line_and_nothing_else_does():
    assert without_dateline(f"Plant Built\nPyongyang, January 21 (KCNA) -- {BODY}") == f"Plant Built\n{BODY}"
    assert without_dateline(f"Pyongyang, July 27 (KCNA) --{BODY}\nMore.") == f"{BODY}\nMore."  # bare, no space
    assert without_dateline(f"Plant Built\n{BODY}") == f"Plant Built\n{BODY}"  # Naenara, Rodong Sinmun, 2011
    again = f"Plant Built\nPyongyang, May 3 (KCNA) -- {BODY} Moscow, May 3 (KCNA) -- more."
    assert without_dateline(again) == f"Plant Built\n{BODY} Moscow, May 3 (KCNA) -- more."  # the first only
    quoted = "Plant Built\n" + "x" * 90 + " (KCNA) -- quoted"
    assert without_dateline(quoted) == quoted  # "(KCNA)" far into the text is no dateline


def test_the_same_article_with_and_without_its_dateline_scores_the_same(fake_labelled, fake_classifier):
    texts, Y = fake_labelled
    kcna = classifier_text(f"Pyongyang, January 21 (KCNA) -- {BODY}", "Plant Built")
    reprint = classifier_text(BODY, "Plant Built")
    assert fake_classifier.read_dateline is False
    assert np.array_equal(fake_classifier.predict_proba([kcna]), fake_classifier.predict_proba([reprint]))
    reading = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, read_dateline=True).fit(texts, Y)
    assert not np.allclose(reading.predict_proba([kcna]), reading.predict_proba([reprint]))


def test_the_rulings_still_read_the_dateline(fake_classifier):
    filed_here = classifier_text(f"Pyongyang, May 3 (KCNA) -- {TOPICS['sport']}.", "Cup Final")
    assert not is_world_news(filed_here) and is_world_news(without_dateline(filed_here))
    assert fake_classifier.predict_proba([filed_here]).max() > 0.5  # filed in Pyongyang: the DPRK's own news


def test_a_model_saved_before_the_dateline_was_a_parameter_reads_it_as_it_did(fake_labelled):
    texts, Y = fake_labelled
    reading = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, read_dateline=True).fit(texts, Y)
    arrays = reading.fitted_arrays()
    params = json.loads(str(arrays["params"]))
    del params["read_dateline"]
    older = ThemeClassifier.from_fitted_arrays(arrays | {"params": np.array(json.dumps(params))})
    older.embedder = FakeEmbedder()
    kcna = classifier_text(f"Pyongyang, January 21 (KCNA) -- {BODY}", "Plant Built")
    assert older.read_dateline is True
    assert np.allclose(older.predict_proba([kcna]), reading.predict_proba([kcna]))


def test_tag_gives_a_reprint_without_the_dateline_the_same_scores_and_marks_it_a_duplicate(tmp_path, fake_embedder):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    trained = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2"], fake_embedder)
    assert trained.exit_code == 0, trained.stderr
    assert json.loads((tmp_path / "m" / "metadata.json").read_text())["classifier"]["read_dateline"] is False
    pair = write_jsonl(tmp_path / "pair.jsonl", [
        {"id": "kcna", "title": "Plant Built", "date": "2024-01-21", "source": "KCNA",
         "text": f"Pyongyang, January 21 (KCNA) -- {BODY}"},
        {"id": "naenara", "title": "Plant Built", "date": "2024-01-21", "source": "Naenara", "text": BODY}])
    result = invoke(["tag", pair, "--model", tmp_path / "m"], fake_embedder)
    assert result.exit_code == 0, result.stderr
    kcna, naenara = records(result.stdout)
    assert kcna["scores"] == naenara["scores"] and kcna["themes"] == naenara["themes"] == ["construction"]
    assert naenara["duplicate_of"] == "kcna"
    explained = invoke(["explain", pair, "--model", tmp_path / "m", "--format", "json"], fake_embedder)
    kcna, naenara = (r["explanation"] for r in records(explained.stdout))
    assert kcna["themes"]["construction"]["terms"] == naenara["themes"]["construction"]["terms"]  # no "pyongyang"
    assert kcna["neighbours"] == naenara["neighbours"]


def test_train_dateline_keeps_the_old_reading_and_tag_then_scores_a_reprint_otherwise(tmp_path, fake_embedder):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    trained = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2", "--dateline"], fake_embedder)
    assert trained.exit_code == 0, trained.stderr
    assert json.loads((tmp_path / "m" / "metadata.json").read_text())["classifier"]["read_dateline"] is True
    pair = write_jsonl(tmp_path / "pair.jsonl", [
        {"id": "kcna", "title": "Plant Built", "text": f"Pyongyang, January 21 (KCNA) -- {BODY}"},
        {"id": "naenara", "title": "Plant Built", "text": BODY}])
    result = invoke(["tag", pair, "--model", tmp_path / "m"], fake_embedder)
    assert result.exit_code == 0, result.stderr
    kcna, naenara = records(result.stdout)
    assert kcna["scores"] != naenara["scores"]  # the dateline is read: the two are different texts
