"""The Python front door: load_model, predict_proba, predict, tag and explain, as a notebook uses them."""

import json

import numpy as np
import pandas as pd
import pytest

import kcna_themes
from kcna_themes.errors import KcnaThemesError, ModelError

from .conftest import FakeEmbedder, invoke, train_on_fake_embedder, write_jsonl


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return train_on_fake_embedder(tmp_path_factory.mktemp("api"))[0]


@pytest.fixture
def model(model_dir):
    return kcna_themes.load_model(model_dir, embedder=FakeEmbedder())


ROWS = [
    {"id": "a", "title": "Match Report", "text": "DPRK football match championship players team won gold medals " * 3},
    {"id": "b", "title": "Harvest", "text": "DPRK farm rice harvest sowing crops fertilizer cooperative farmers " * 3},
    {"id": "c", "title": None, "text": "the of and in on was were people country year day said"},
]


def test_the_front_door_is_exported_from_the_package():
    assert {"load_model", "Model"} <= set(kcna_themes.__all__)
    assert kcna_themes.load_model is kcna_themes.api.load_model


def test_predict_proba_has_one_column_per_theme(model):
    P = model.predict_proba([r["text"] for r in ROWS], [r["title"] for r in ROWS])
    assert model.themes == ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]
    assert P.shape == (3, 6) and ((P >= 0) & (P <= 1)).all()
    assert model.predict_proba([]).shape == (0, 6)


def test_predict_lists_the_themes_over_threshold_strongest_first(model):
    themes = model.predict([r["text"] for r in ROWS], [r["title"] for r in ROWS])
    assert themes[0][0] == "sport" and themes[1][0] == "agriculture"
    P = model.predict_proba([r["text"] for r in ROWS], [r["title"] for r in ROWS])
    cut = model.thresholds
    for probs, got in zip(P, themes):
        assert got == sorted((t for t, p in zip(model.themes, probs) if p >= cut[t]),
                             key=lambda t: -probs[model.themes.index(t)])


def test_tag_returns_the_frame_with_themes_and_score_columns_as_the_cli_scores_them(model, model_dir, tmp_path,
                                                                                    fake_embedder):
    frame = pd.DataFrame(ROWS).assign(extra=[1, 2, 3])
    tagged = model.tag(frame)
    assert list(tagged.columns) == ["id", "title", "text", "extra", "themes"] + [f"score_{t}" for t in model.themes]
    assert "themes" not in frame.columns  # the caller's frame is left as it was
    assert tagged.loc[0, "themes"][0] == "sport"
    # the CLI tags the same records with the same scores
    src = write_jsonl(tmp_path / "rows.jsonl", ROWS)
    result = invoke(["tag", src, "--model", model_dir], fake_embedder)
    cli_records = [json.loads(line) for line in result.stdout.splitlines()]
    for rec, (_, row) in zip(cli_records, tagged.iterrows()):
        assert rec["themes"] == row["themes"]
        assert np.allclose([rec["scores"][t] for t in model.themes],
                           [row[f"score_{t}"] for t in model.themes], atol=1e-4)


def test_explain_gives_what_the_cli_gives_under_explanation(model, model_dir, tmp_path, fake_embedder):
    explained = model.explain([r["text"] for r in ROWS], [r["title"] for r in ROWS], themes=["heritage"])
    assert list(explained[0]["themes"]) == ["sport", "heritage"]  # tagged, then asked for
    sport = explained[0]["themes"]["sport"]
    assert sport["score"] == pytest.approx(model.predict_proba(ROWS[0]["text"], [ROWS[0]["title"]])[0, 3], abs=1e-4)
    assert sum(sport["decision"].values()) > 0 and sport["sentences"] and sport["terms"]
    result = invoke(["explain", write_jsonl(tmp_path / "rows.jsonl", ROWS), "--model", model_dir, "--format",
                     "json", "--theme", "heritage"], fake_embedder)
    from_cli = [json.loads(line)["explanation"] for line in result.stdout.splitlines()]
    assert from_cli == explained
    with pytest.raises(KcnaThemesError, match="2 texts but 1 titles"):
        model.explain(["a", "b"], ["only one"])


def test_tag_takes_records_and_other_column_names(model):
    tagged = model.tag([{"body": r["text"], "headline": r["title"]} for r in ROWS], text="body", title="headline")
    assert len(tagged) == 3 and tagged.loc[1, "themes"][0] == "agriculture"


def test_tag_without_the_text_column_is_a_clear_error(model):
    with pytest.raises(KcnaThemesError, match="no 'text' column"):
        model.tag([{"body": "x"}])


def test_an_embedder_that_makes_other_vectors_is_refused(model_dir):
    with pytest.raises(ModelError, match="trained on embedder"):
        kcna_themes.load_model(model_dir, embedder=FakeEmbedder(id="another-embedder"))


def test_editing_the_thresholds_in_metadata_changes_nothing(model_dir, tmp_path, fake_embedder):
    import shutil

    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    meta = json.loads((copy / "metadata.json").read_text())
    meta["thresholds"] = {t: 0.0 for t in meta["thresholds"]}
    (copy / "metadata.json").write_text(json.dumps(meta))
    texts = [r["text"] for r in ROWS]
    assert kcna_themes.load_model(copy, embedder=FakeEmbedder()).predict(texts) == \
        kcna_themes.load_model(model_dir, embedder=FakeEmbedder()).predict(texts)
