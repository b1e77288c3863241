"""World news is none (codebook ruling 6): an article naming nothing of the DPRK scores zero."""

import json

import numpy as np
import pytest

from kcna_themes.captures import capture_from_record, classifier_text
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.world_news import is_world_news, names_the_dprk

from .conftest import CORPUS, TOPICS, FakeEmbedder, invoke, make_labelled, records, write_jsonl
from .test_digests import digest_about

THEMES = list(TOPICS)


def slice_by_era() -> dict[str, list]:
    eras: dict[str, list] = {}
    with open(CORPUS, encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            capture = capture_from_record(json.loads(line), CORPUS, i)
            eras.setdefault("2011" if capture.published.startswith("2011") else "later", []).append(capture)
    return eras


def test_2011s_foreign_news_is_world_news_and_no_later_article_is():
    eras = slice_by_era()
    world = [c.title for c in eras["2011"] if is_world_news(c.embed_text)]
    assert "World Foodstuff Price Hits Record High" in world and "Chile Declares Agriculture Emergency" in world
    assert 10 <= len(world) <= 40  # of 340: 2011 carried much world news
    assert not any(is_world_news(c.embed_text) for c in eras["later"])  # 100 articles of 2015-2017 and 2024


def test_a_dprk_actor_named_only_by_office_and_name_is_not_world_news():
    congratulation = "Foreign Minister Pak Ui Chun Friday sent a congratulatory message to Sam Kutesa."
    assert not is_world_news(classifier_text(congratulation, "Congratulations to Ugandan Foreign Minister"))
    assert is_world_news(classifier_text("Sam Kutesa was reappointed foreign minister.", "Uganda's Cabinet"))


def test_names_glued_by_kcnas_site_and_other_spellings_still_name_the_dprk():
    assert not is_world_news(classifier_text("the respected ComradeKim Jong Unvisited the site", "Visit"))
    for name in ("Phyongyang", "North Phyongan Province", "Mt Paektu", "Kimjongilia", "Koguryo tombs",
                 "the Workers' Party", "Nampho"):
        assert names_the_dprk(f"Flowers were seen in {name} yesterday."), name
    assert not is_world_news("")  # nothing to rule on


def test_world_news_scores_zero_unless_the_rule_is_off(fake_labelled, fake_classifier):
    texts, Y = fake_labelled
    abroad = [f"Reported from abroad: {TOPICS[t]}." for t in THEMES if t != "leader"]  # leader's words name Kim Jong Il
    unruled = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, world_news_rule=False).fit(texts, Y)
    assert (fake_classifier.predict_proba(abroad) == 0).all() and not fake_classifier.predict(abroad).any()
    assert (np.diag(unruled.predict(abroad)[:, 1:]) == 1).all()  # without the rule, each is its theme
    assert np.array_equal(fake_classifier.predict_proba(texts), unruled.predict_proba(texts))  # nothing else moves
    assert fake_classifier.predict_proba(abroad, rulings=False).max() > 0.5  # the regressions' own scores


@pytest.mark.parametrize("rule, ruled_text", [("digest_rule", digest_about("leader")),
                                               ("world_news_rule", f"Abroad: {TOPICS['sport']}.")])
def test_a_model_saved_before_a_ruling_was_a_parameter_keeps_scoring_as_it_did(fake_classifier, rule, ruled_text):
    arrays = fake_classifier.fitted_arrays()
    params = json.loads(str(arrays["params"]))
    assert params[rule] is True and fake_classifier.predict_proba([ruled_text]).max() == 0
    del params[rule]
    older = ThemeClassifier.from_fitted_arrays(arrays | {"params": np.array(json.dumps(params))})
    older.embedder = FakeEmbedder()
    assert getattr(older, rule) is False and older.predict_proba([ruled_text]).max() > 0.5


def test_train_records_the_rule_and_explain_names_it(tmp_path, fake_embedder):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    for folder, flag in (("on", []), ("off", ["--no-world-news-rule"])):
        result = invoke(["train", labels, "--model", tmp_path / folder, "--folds", "2", *flag], fake_embedder)
        assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "on" / "metadata.json").read_text())["classifier"]["world_news_rule"] is True
    assert json.loads((tmp_path / "off" / "metadata.json").read_text())["classifier"]["world_news_rule"] is False
    article = write_jsonl(tmp_path / "abroad.jsonl", [{"id": "w1", "title": "Cup Final Abroad",
                                                       "text": f"In Lima: {TOPICS['sport']}."}])
    ruled, unruled = (records(invoke(["tag", article, "--model", tmp_path / f], fake_embedder).stdout)[0]
                      for f in ("on", "off"))
    assert ruled["themes"] == [] and set(ruled["scores"].values()) == {0.0} and unruled["themes"] == ["sport"]
    explained = invoke(["explain", article, "--model", tmp_path / "on", "--format", "json"], fake_embedder)
    assert records(explained.stdout)[0]["explanation"]["world_news"] is True
    assert "ruling 6" in invoke(["explain", article, "--model", tmp_path / "on"], fake_embedder).output
