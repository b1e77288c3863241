"""The classifier: probabilities, thresholds, columns by name, and the model folder."""

import json
from pathlib import Path

import numpy as np
import pytest

from kcna_themes.classifier import ThemeClassifier, best_f1_threshold
from kcna_themes.errors import ModelError
from kcna_themes.evaluation import cross_validate, theme_scores
from kcna_themes.metadata import FORMAT_VERSION, EmbedderSpec, read_metadata
from kcna_themes.model import load_model, save_model

from .conftest import TOPICS, FakeEmbedder

DATA = Path(__file__).parent / "data"
THEMES = list(TOPICS)  # the columns of labelled_matrix()


def test_scores_are_probabilities_with_one_column_per_theme(fake_classifier, fake_labelled):
    texts, _ = fake_labelled
    P = fake_classifier.predict_proba(texts)
    assert P.shape == (len(texts), len(THEMES))
    assert (P >= 0).all() and (P <= 1).all()


def test_classifier_learns_the_themes_it_was_given(fake_classifier, fake_labelled):
    texts, Y = fake_labelled
    predicted = fake_classifier.predict(texts)
    scores = theme_scores(Y, predicted, THEMES)
    assert scores["macro_f1"] > 0.9


def test_macro_f1_leaves_out_a_theme_with_no_example_to_find():
    Y = np.array([[1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 0]])
    P = np.array([[1, 0, 0], [0, 0, 0], [1, 0, 1], [0, 0, 0]])  # the third theme: one false positive
    scores = theme_scores(Y, P, ["a", "b", "c"])
    assert scores["macro_themes"] == ["a", "b"] and scores["macro_f1"] == 0.5  # mean of 1.0 and 0.0
    assert scores["per_theme"]["c"]["support"] == 0 and scores["per_theme"]["c"]["fp"] == 1
    assert theme_scores(np.zeros((2, 1)), np.zeros((2, 1)), ["a"])["macro_f1"] == 0.0  # nothing to score


def test_a_model_saved_with_skops_by_an_earlier_version_loads_and_scores_as_it_did():
    """tests/data/model-format-2 was saved by the skops version of this package, with
    scikit-learn's own models inside (one theme too rare to learn); the numbers it
    scored then are in expected.json."""
    folder = DATA / "model-format-2"
    expected = json.loads((folder / "expected.json").read_text())
    model = load_model(folder, FakeEmbedder())
    assert model.metadata.format_version == 2 and model.metadata.classifier.format == "skops"
    assert np.allclose(model.score(expected["texts"]), expected["probabilities"], atol=1e-6)


def test_loading_a_model_imports_neither_skops_nor_torch(tmp_path, fake_classifier):
    import subprocess
    import sys

    _save(tmp_path, fake_classifier)
    code = ("import sys\nfrom kcna_themes.model import load_model\n"
            f"m = load_model({str(tmp_path / 'm')!r})\n"
            "print(sorted(name for name in ('skops', 'torch') if name in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_model_file_of_arrays_that_holds_an_object_is_refused(tmp_path, fake_classifier):
    import io

    _save(tmp_path, fake_classifier)
    buffer = io.BytesIO()
    planted = np.array([Planted()], dtype=object)
    fitted = fake_classifier.fitted_arrays()
    for arrays in (fitted | {"thresholds": planted}, fitted | {"extra": planted}):
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        _replace_classifier(tmp_path / "m", buffer.getvalue(), "classifier.npz", FORMAT_VERSION, fmt="npz")
        with pytest.raises(ModelError, match="cannot be loaded"):
            load_model(tmp_path / "m", FakeEmbedder())
    assert Planted.marks == []


def test_a_model_file_of_arrays_with_a_missing_or_misshapen_array_is_refused(tmp_path, fake_classifier):
    arrays = fake_classifier.fitted_arrays()
    _save(tmp_path, fake_classifier)
    from kcna_themes.model import _npz_bytes

    _replace_classifier(tmp_path / "m", b"not a zip at all", "classifier.npz", FORMAT_VERSION, fmt="npz")
    with pytest.raises(ModelError, match="not a file of arrays"):
        load_model(tmp_path / "m", FakeEmbedder())
    for broken in ({k: v for k, v in arrays.items() if k != "coef_0"},
                   arrays | {"coef_3": arrays["coef_3"][:, :-1]}):
        _replace_classifier(tmp_path / "m", _npz_bytes(broken), "classifier.npz", FORMAT_VERSION, fmt="npz")
        with pytest.raises(ModelError, match="cannot be loaded"):
            load_model(tmp_path / "m", FakeEmbedder())


def test_half_the_best_f1_is_the_cut_off_of_the_default_rule():
    from kcna_themes.classifier import half_best_f1_threshold

    y = np.array([0, 1, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.9])  # the best cut keeps the top four: F1 = 6/7
    assert best_f1_threshold(y, s) == pytest.approx(0.15)
    assert half_best_f1_threshold(y, s) == pytest.approx(3 / 7)


def test_the_threshold_rule_is_a_hyperparameter_and_a_wrong_one_is_refused(fake_labelled, fake_classifier):
    texts, Y = fake_labelled
    best = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, threshold_rule="best-f1").fit(texts, Y)
    assert np.allclose(best.predict_proba(texts), fake_classifier.predict_proba(texts))  # the same scores
    assert not np.allclose(best.thresholds_, fake_classifier.thresholds_)  # other cut-offs
    with pytest.raises(ValueError, match="threshold_rule"):
        ThemeClassifier(embedder=FakeEmbedder(), threshold_rule="best").fit(texts, Y)


def test_a_model_saved_before_the_threshold_rule_was_a_parameter_says_it_used_the_best_f1(tmp_path, fake_classifier):
    arrays = fake_classifier.fitted_arrays()
    params = json.loads(str(arrays["params"]))
    del params["threshold_rule"]
    older = ThemeClassifier.from_fitted_arrays(arrays | {"params": np.array(json.dumps(params))})
    assert older.threshold_rule == "best-f1" and fake_classifier.threshold_rule == "half-f1"
    assert np.array_equal(older.thresholds_, fake_classifier.thresholds_)


def test_best_f1_threshold_separates_a_clean_split():
    y = np.array([0, 0, 0, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.9])
    assert best_f1_threshold(y, s) == pytest.approx(0.5)


def test_embeddings_only_classifier_has_no_lexical_branch(fake_labelled):
    texts, Y = fake_labelled
    clf = ThemeClassifier(embedder=FakeEmbedder(), lexical_dims=0).fit(texts, Y)
    assert clf.lexical_ is None and clf.predict_proba(texts).shape == Y.shape


def test_a_classifier_without_an_embedder_says_so(fake_classifier, fake_labelled):
    texts, _ = fake_labelled
    with pytest.raises(ModelError, match="no embedder"):
        _without_embedder(fake_classifier).predict_proba(texts)


def test_thresholds_are_chosen_per_theme_within_bounds(fake_classifier):
    assert len(fake_classifier.thresholds_) == len(THEMES)
    assert all(0.01 <= t <= 0.99 for t in fake_classifier.thresholds_)


def test_cross_validation_reports_rates_for_bias_correction(fake_labelled):
    texts, Y = fake_labelled
    cv = cross_validate(ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES), texts, Y, folds=3)
    s = cv.scores["per_theme"]["sport"]
    assert s["tp"] + s["fn"] == Y[:, 3].sum() and s["tp"] + s["fp"] + s["fn"] + s["tn"] == len(Y)
    assert s["tpr"] == pytest.approx(s["tp"] / (s["tp"] + s["fn"]), abs=1e-4)
    assert 0 <= cv.scores["calibration_error"] <= 1
    assert cv.probs.shape == Y.shape


def _without_embedder(classifier):
    """A copy of the fitted classifier with no embedder, as a model file holds it."""
    import copy

    return copy.copy(classifier).set_params(embedder=None)


def _save(tmp_path, classifier):
    embedder = EmbedderSpec(id="fake-hash-64", dim=64, model="fake-hash-64")
    return save_model(tmp_path / "m", classifier, embedder, {"size": 1}, {"per_theme": {}})


def test_metadata_records_every_hyperparameter_of_the_recipe(tmp_path, fake_labelled):
    texts, Y = fake_labelled
    clf = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, C=2.0, lexical_dims=8, threshold_folds=3,
                          digest_rule=False, random_state=7).fit(texts, Y)
    _save(tmp_path, clf)
    recorded = json.loads((tmp_path / "m" / "metadata.json").read_text())["classifier"]
    expected = {k: v for k, v in clf.get_params().items() if k not in ("embedder", "themes")}
    assert {k: recorded[k] for k in expected} == expected | {"actor_themes": ["leader"]}
    assert recorded["calibration"] == "Platt (sigmoid), 3-fold"


def test_saved_folder_round_trips(tmp_path, fake_classifier, fake_labelled):
    texts, _ = fake_labelled
    saved = _save(tmp_path, fake_classifier)
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text())
    assert meta["format_version"] == FORMAT_VERSION and meta["themes"] == THEMES
    assert set(meta) >= {"package_version", "sklearn_version", "embedder", "thresholds", "training", "evaluation"}
    loaded = load_model(tmp_path / "m", FakeEmbedder())
    assert loaded.model_id == saved.model_id
    assert np.allclose(loaded.classifier.predict_proba(texts), fake_classifier.predict_proba(texts))


def test_loading_refuses_missing_corrupt_newer_and_mismatched_models(tmp_path, fake_classifier):
    with pytest.raises(ModelError, match="does not exist"):
        load_model(tmp_path / "nowhere")
    _save(tmp_path, fake_classifier)
    folder = tmp_path / "m"
    with pytest.raises(ModelError, match="trained on embedder 'fake-hash-64'"):
        load_model(folder, FakeEmbedder(id="sentence-transformers/all-MiniLM-L6-v2|onnx-int8|chunk"))
    meta = json.loads((folder / "metadata.json").read_text())
    (folder / "metadata.json").write_text(json.dumps({**meta, "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(ModelError, match="newer than this kcna-themes"):
        read_metadata(folder)
    (folder / "metadata.json").write_text(json.dumps(meta))
    (folder / "classifier.npz").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="checksum does not match"):
        load_model(folder)
    (folder / "metadata.json").write_text("{ half a file")
    with pytest.raises(ModelError, match="corrupt"):
        load_model(folder)


def test_adjustment_rates_take_positives_from_all_labels_and_negatives_from_the_random_sample():
    from kcna_themes.training import adjustment_rates

    everything = {"sport": {"tp": 90, "fn": 10, "fp": 40, "tn": 860, "tpr": 0.9, "fpr": 0.0444}}
    sample = {"sport": {"tp": 4, "fn": 1, "fp": 2, "tn": 443, "tpr": 0.8, "fpr": 0.0045}}
    assert adjustment_rates(everything, sample) == {
        "sport": {"tp": 90, "fn": 10, "fp": 2, "tn": 443, "tpr": 0.9, "fpr": 0.0045}}


class Planted:
    """A type a model file must never be allowed to build: building it leaves a mark."""

    marks: list = []

    def __setstate__(self, state):
        Planted.marks.append(state)


def _replace_classifier(folder, blob: bytes, name: str, version: int, fmt: str | None = None):
    """Put ``blob`` in as the classifier file; without ``fmt`` the metadata names no
    format, as folders before model format 3 did not."""
    import hashlib

    (folder / name).write_bytes(blob)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["format_version"] = version
    meta["classifier"].update(file=name, sha256=hashlib.sha256(blob).hexdigest())
    meta["classifier"].pop("format", None)
    if fmt:
        meta["classifier"]["format"] = fmt
    (folder / "metadata.json").write_text(json.dumps(meta))


def test_a_model_file_holding_an_untrusted_type_is_refused_before_anything_is_built(tmp_path, fake_classifier):
    import skops.io

    _save(tmp_path, fake_classifier)
    planted = Planted()
    planted.payload = "ran"
    _replace_classifier(tmp_path / "m", skops.io.dumps(planted), "classifier.skops", 2)
    with pytest.raises(ModelError, match="does not trust.*Planted"):
        load_model(tmp_path / "m", FakeEmbedder())
    assert Planted.marks == []


def test_an_old_pickled_model_loads_only_when_trusted(tmp_path, fake_classifier, fake_labelled):
    import io

    import joblib

    texts, _ = fake_labelled
    _save(tmp_path, fake_classifier)
    buffer = io.BytesIO()
    joblib.dump(_without_embedder(fake_classifier), buffer)
    _replace_classifier(tmp_path / "m", buffer.getvalue(), "classifier.joblib", 1)
    with pytest.raises(ModelError, match="--trust-pickle"):
        load_model(tmp_path / "m", FakeEmbedder())
    trusted = load_model(tmp_path / "m", FakeEmbedder(), trust_pickle=True)
    assert np.allclose(trusted.classifier.predict_proba(texts), fake_classifier.predict_proba(texts))


def test_sample_weight_weighs_articles_and_bad_weights_are_refused(fake_labelled, fake_classifier):
    texts, Y = fake_labelled
    ones = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES).fit(texts, Y, sample_weight=np.ones(len(Y)))
    assert np.allclose(ones.predict_proba(texts), fake_classifier.predict_proba(texts))  # all ones: unweighted
    j = 0
    heavy = np.where(Y[:, j] == 1, 5.0, 1.0)  # the first theme's articles count five times
    weighted = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES).fit(texts, Y, sample_weight=heavy)
    positives = Y[:, j] == 1
    assert (weighted.predict_proba(texts)[positives, j].mean()
            > fake_classifier.predict_proba(texts)[positives, j].mean() + 0.02)
    for bad in (np.ones(len(Y) - 1), np.full(len(Y), -1.0), np.full(len(Y), np.nan), np.zeros(len(Y))):
        with pytest.raises(ValueError, match="sample_weight"):
            ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES).fit(texts, Y, sample_weight=bad)


def test_scikit_learn_tools_work_on_the_classifier(fake_labelled, fake_classifier):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict

    texts, Y = fake_labelled
    clf = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, lexical_dims=16)
    fresh = clone(fake_classifier)
    assert fresh.get_params()["themes"] == THEMES and not hasattr(fresh, "coefs_")
    P = cross_val_predict(clf, np.array(texts, dtype=object), Y, cv=KFold(3, shuffle=True, random_state=0),
                          method="predict_proba")
    assert P.shape == Y.shape and theme_scores(Y, P >= 0.5, THEMES)["macro_f1"] > 0.8
    search = GridSearchCV(clf, {"C": [0.01, 16.0]}, scoring="f1_macro", cv=KFold(3, shuffle=True, random_state=0))
    search.fit(np.array(texts, dtype=object), Y)
    assert len(search.cv_results_["params"]) == 2 and search.best_score_ > 0.8


def test_labels_may_be_theme_lists_and_name_the_columns(fake_labelled):
    texts, Y = fake_labelled
    lists = [[t for t, y in zip(THEMES, row) if y] for row in Y]
    clf = ThemeClassifier(embedder=FakeEmbedder(), lexical_dims=0).fit(texts, lists)
    assert clf.themes_ == THEMES  # the codebook's order, from the labels alone
    assert clf.predict(texts).shape == Y.shape


def test_who_acts_counts_a_leader_as_the_subject_not_a_passing_mention():
    from kcna_themes.classifier import ActorFeatures

    story = ("New Ladders in Douche Place\nThe respected General Secretary Kim Jong Un visited the water park "
             "in June. He looked into the tank. He said ladders should be installed. Kim Jong Un instructed "
             "the officials to install four ladders.")
    harvest = ("Rice Harvest Brisk\nFarmers in South Hwanghae Province are gathering in a bumper crop under the "
               "wise guidance of Kim Jong Un. The threshing goes on day and night.")
    A = ActorFeatures().transform([story, harvest])
    assert A.shape == (2, 5)
    assert (A[0, :4] > 0).all() and A[0, 4] == 0  # acts in the body and the lead; no act in the headline
    assert (A[1] == 0).all()  # named, but as the source of guidance, not as one acting
    assert ActorFeatures().transform(["Kim Jong Un Inspects Factory\nIt was built."])[0, 4] == 1


def test_only_the_actor_themes_read_who_acts(fake_classifier, fake_labelled):
    texts, Y = fake_labelled
    width = {t: coefs.shape[1] for t, coefs in zip(fake_classifier.themes_, fake_classifier.coefs_)}
    assert width["leader"] == width["sport"] + 5
    assert len({w for t, w in width.items() if t != "leader"}) == 1
    plain = ThemeClassifier(embedder=FakeEmbedder(), themes=THEMES, actor_themes=()).fit(texts, Y)
    assert plain.coefs_[0].shape[1] == width["sport"]
    assert plain.predict_proba(texts).shape == fake_classifier.predict_proba(texts).shape

    import pickle  # a classifier saved before who-acts features existed reads none, and scores as before
    older = pickle.loads(pickle.dumps(_without_embedder(plain)))
    del older.__dict__["actor_themes"], older.__dict__["actor_columns_"]
    older = pickle.loads(pickle.dumps(older))
    older.embedder = FakeEmbedder()
    assert older.get_params()["actor_themes"] == ()
    assert np.allclose(older.predict_proba(texts), plain.predict_proba(texts))


def test_lexical_features_compute_what_scikit_learns_vectorizer_and_svd_compute(fake_labelled):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from kcna_themes.classifier import LexicalFeatures

    texts, _ = fake_labelled
    lexical = LexicalFeatures(dims=8, vocabulary=200).fit(texts)
    vectorizer = TfidfVectorizer(sublinear_tf=True, min_df=2, ngram_range=(1, 2), stop_words="english",
                                 max_features=200, dtype=np.float32).fit(texts)
    odd = ["", "THE Football, football; FOOTBALL!! of the match", "Ünïcödé wörds and the harvest harvest",
           "a b c 1 22 333", texts[0] + " " + texts[1]]
    ours, theirs = lexical.tfidf(texts + odd), vectorizer.transform(texts + odd)
    assert list(lexical.terms_) == list(vectorizer.get_feature_names_out())
    assert ours.shape == theirs.shape and abs(ours - theirs).max() < 1e-6
    svd = TruncatedSVD(8, random_state=0).fit(vectorizer.fit_transform(texts))
    assert np.allclose(np.abs(lexical.components_), np.abs(svd.components_), atol=1e-4)
    Z = theirs @ lexical.components_.T  # the projection the SVD learned, of scikit-learn's rows
    Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
    assert np.allclose(lexical.transform(texts + odd), Z, atol=1e-5)
