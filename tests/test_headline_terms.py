"""The headline's own terms (``HeadlineTerms``): scikit-learn's TF-IDF, kept as arrays."""

import json

import numpy as np
import pytest

from kcna_themes.captures import classifier_text
from kcna_themes.classifier import HeadlineTerms, ThemeClassifier, leads

from .conftest import TOPICS, FakeEmbedder, invoke, make_labelled, write_jsonl

HEADLINES = ["Kim Jong Un Inspects Farm", "Delegation Leaves", "Kim Jong Un Visits Factory", "Delegation Arrives",
             "Farm Houses Built", "Football Match Held", "Birthday of Kim Il Sung Marked", "Football Team Leaves"]


def test_headline_rows_are_scikit_learns_tfidf_of_the_first_line():
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [classifier_text(f"Body {k} says nothing of the headline.", h) for k, h in enumerate(HEADLINES)]
    terms = HeadlineTerms(vocabulary=50).fit(texts)
    reference = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), max_features=50).fit(HEADLINES)
    assert list(terms.terms_) == list(reference.get_feature_names_out())
    assert "kim jong" in terms.terms_ and "body" not in terms.terms_  # the headline's words only
    new = [classifier_text("Body text.", "Kim Jong Un Visits Farm Again"), classifier_text("Only a body.")]
    assert np.allclose(terms.transform(new), reference.transform(["Kim Jong Un Visits Farm Again", "Only a body."])
                       .toarray(), atol=1e-6)


def test_headlines_without_a_shared_term_give_no_columns_not_an_error():
    assert HeadlineTerms().fit(["\nno headline", "\n"]).transform(["\nbody"]).shape == (1, 0)
    assert HeadlineTerms().fit(["Alpha\nx", "Beta\ny"]).n_terms == 2  # too few to share: every term counts


def test_a_model_keeps_its_headline_terms_and_one_saved_before_them_scores_as_it_did(fake_labelled):
    texts, Y = fake_labelled
    texts = [classifier_text(t, h) for t, h in zip(texts, ["Sport Event"] * 10 + ["Visit"] * (len(texts) - 10))]
    with_terms = ThemeClassifier(embedder=FakeEmbedder(), themes=list(TOPICS), headline_terms=100).fit(texts, Y)
    assert 0 < with_terms.headline_.n_terms <= 100
    loaded = ThemeClassifier.from_fitted_arrays(with_terms.fitted_arrays())
    loaded.embedder = FakeEmbedder()
    assert np.array_equal(loaded.predict_proba(texts), with_terms.predict_proba(texts))
    without = ThemeClassifier(embedder=FakeEmbedder(), themes=list(TOPICS), headline_terms=0, lead_terms=0).fit(
        texts, Y)
    arrays = without.fitted_arrays()
    params = json.loads(str(arrays["params"]))
    del params["headline_terms"], params["lead_terms"]  # as saved before the parameters existed
    older = ThemeClassifier.from_fitted_arrays(arrays | {"params": np.array(json.dumps(params))})
    older.embedder = FakeEmbedder()
    assert older.headline_terms == older.lead_terms == 0 and older.headline_ is None and older.lead_ is None
    assert np.array_equal(older.predict_proba(texts), without.predict_proba(texts))


def test_a_headline_array_that_does_not_fit_the_weights_is_refused(fake_classifier):
    arrays = fake_classifier.fitted_arrays()
    with pytest.raises(ValueError, match="weights of shape"):
        ThemeClassifier.from_fitted_arrays(arrays | {"headline_terms": arrays["headline_terms"][:-1],
                                                     "headline_idf": arrays["headline_idf"][:-1]})


def test_train_records_the_headline_vocabulary(tmp_path, fake_embedder):
    labels = write_jsonl(tmp_path / "l.jsonl", make_labelled(n_per_theme=8, n_none=10))
    result = invoke(["train", labels, "--model", tmp_path / "m", "--folds", "2", "--headline-terms", "0"],
                    fake_embedder)
    assert result.exit_code == 0, result.stderr
    assert json.loads((tmp_path / "m" / "metadata.json").read_text())["classifier"]["headline_terms"] == 0
    assert invoke(["train", labels, "--model", tmp_path / "x", "--headline-terms", "-1"]).exit_code == 2


def test_the_lead_is_the_first_sentence_after_kcnas_dateline():
    text = classifier_text("Pyongyang, January 21 (KCNA) -- Kim Jong Un inspected the Ryongsong Machine Complex. "
                           "He said it was built well.", "New Machines")
    assert leads([text]) == ["Kim Jong Un inspected the Ryongsong Machine Complex."]
    assert leads([classifier_text("No dateline here. Second sentence.", "Title")]) == ["No dateline here."]
    assert leads([classifier_text("x" * 900, "Title")]) == ["x" * 400] and leads(["Only a headline"]) == [""]


def test_only_the_actor_themes_read_the_leads_terms(fake_labelled):
    texts, Y = fake_labelled
    texts = [classifier_text(t, "Report") for t in texts]  # a headline, so the text is the body and its lead
    clf = ThemeClassifier(embedder=FakeEmbedder(), themes=list(TOPICS), lead_terms=50).fit(texts, Y)
    shared = clf.n_embedding_dims_ + clf.lexical_.n_components + clf.headline_.n_terms
    assert 0 < clf.lead_.n_terms <= 50
    widths = {t: clf.coefs_[j].shape[1] for j, t in enumerate(clf.themes_)}
    assert widths.pop("leader") == shared + 5 + clf.lead_.n_terms  # who acts, then the lead's terms
    assert set(widths.values()) == {shared}
    arrays = clf.fitted_arrays()
    with pytest.raises(ValueError, match="weights of shape"):  # lead arrays gone but leader's weights read them
        ThemeClassifier.from_fitted_arrays({k: v for k, v in arrays.items() if not k.startswith("lead_")})
