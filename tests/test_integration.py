"""Integration: the real bundled sentence-transformer and the shipped model, on real captures.

Slower than the unit tests (the encoder is built on first use and cached);
marked ``integration`` so ``pytest -m 'not integration'`` skips them.
"""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from kcna_themes.cli import cli
from kcna_themes.embedding import innermost, load_embedder
from kcna_themes.errors import ModelError
from kcna_themes.metadata import default_model_dir, read_metadata

from .conftest import CORPUS, SEEDS, make_labelled, write_jsonl

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("real-cache")


@pytest.fixture(scope="module")
def seed_records(cache_dir):
    result = CliRunner().invoke(cli, ["tag", str(SEEDS), "--cache-dir", str(cache_dir), "--quiet"])
    assert result.exit_code == 0, result.stderr
    return {r["path"].rsplit("/", 1)[-1]: r for r in map(json.loads, result.stdout.splitlines())}


def test_shipped_model_is_found_and_describes_itself():
    meta = read_metadata(default_model_dir())
    assert meta.themes == ["leader", "construction", "agriculture", "sport", "heritage", "diplomacy"]
    assert meta.training["size"] >= 800
    assert meta.evaluation["macro_f1"] >= 0.85


def test_mass_movement_seed_is_construction(seed_records):
    rec = seed_records["000_5ac42684975ec019.txt"]
    assert "construction" in rec["themes"], rec["scores"]


def test_motherly_party_seed_is_leader(seed_records):
    rec = seed_records["001_29e2a1c26f3ffd0d.txt"]
    assert rec["themes"][0] == "leader", rec["scores"]


def test_seed_scores_are_probabilities_and_rallies_are_not_sport(seed_records):
    for rec in seed_records.values():
        assert all(0.0 <= p <= 1.0 for p in rec["scores"].values())
    assert "sport" not in seed_records["004_090b3b6adfe7d562.txt"]["themes"]


def test_real_corpus_articles_get_their_obvious_themes(tmp_path, cache_dir):
    wanted = {"Ugandan", "Weightlift", "Harvest", "Field Guidance"}
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if any(w.lower() in r["title"].lower() for w in wanted) and len(rows) < 40:
            rows.append(line)
    path = tmp_path / "some.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["tag", str(path), "--cache-dir", str(cache_dir), "--quiet"])
    out = [json.loads(ln) for ln in result.stdout.splitlines()]
    guidance = [r for r in out if r["title"].startswith("Kim Jong Il Provides Field Guidance")]
    assert guidance and all("leader" in r["themes"] for r in guidance)


def test_a_window_longer_than_the_encoders_own_is_refused_by_name(tmp_path, cache_dir):
    with pytest.raises(ModelError, match="at most 256 tokens: a window of 100000"):
        load_embedder(max_tokens=100000, cache_dir=cache_dir, use_cache=False).embed(["A short text."])
    labels = write_jsonl(tmp_path / "labels.jsonl", make_labelled(n_per_theme=5, n_none=5))
    result = CliRunner().invoke(cli, ["train", str(labels), "--model", str(tmp_path / "m"), "--max-tokens", "300",
                                      "--cache-dir", str(cache_dir), "--quiet"])
    assert result.exit_code == 2 and "at most 256 tokens" in result.stderr and "Traceback" not in result.output


def test_real_embedder_is_deterministic_and_served_from_the_cache(cache_dir):
    emb = load_embedder(cache_dir=cache_dir)
    texts = ["Rice transplanting is in full swing across the country.", "A football match was held."]
    first = emb.embed(texts)
    second = emb.embed(texts)
    assert first.shape == (2, 384) and np.allclose(first, second)
    assert emb.hits >= 2
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-4)


def test_fp32_onnx_encoder_gives_the_reference_vectors_and_caches_apart_from_int8(cache_dir):
    """onnx-fp32 is for scores that are the same on every machine: its vectors are PyTorch's
    fp32 ones to rounding, where int8's are an approximation that varies with the CPU."""
    texts = ["Rice transplanting is in full swing across the country.", "A football match was held."]
    fp32 = load_embedder(backend="onnx-fp32", cache_dir=cache_dir)
    int8 = load_embedder(backend="onnx-int8", cache_dir=cache_dir)
    reference = load_embedder(backend="torch", use_cache=False).embed(texts)
    got = fp32.embed(texts)
    assert np.abs(got - reference).max() < 1e-4
    assert innermost(fp32).kernels is None and innermost(int8).kernels  # only int8 depends on the CPU's int8 kernels
    assert 1e-3 < np.abs(int8.embed(texts) - reference).max() < 0.1
    assert fp32.fingerprint != int8.fingerprint and fp32.misses == 2


def test_ctrl_c_on_a_real_run_stops_it_and_resume_completes_it(tmp_path, cache_dir):
    import os
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "corpus.jsonl"
    # 3,000 distinct records, so the run lasts long enough to be interrupted: the slice's
    # articles, each repeated with a numbered sentence (new text, so nothing comes from the cache)
    articles = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    rows = [{**a, "id": f"{a['id']}-{k}", "text": f"{a['text']} Copy {k}."}
            for k in range(3000 // len(articles) + 1) for a in articles][:3000]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "kcna_themes", "tag", str(src), "-o", str(out), "--cache-dir", str(tmp_path / "c")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    # build the encoder in the module's cache once, and share it so start-up is quick
    load_embedder(cache_dir=cache_dir, use_cache=False).embed(["warm up"])
    (tmp_path / "c").mkdir()
    os.symlink(cache_dir / "encoders", tmp_path / "c" / "encoders")
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until records are being written
        parts = list(tmp_path.glob(".out.jsonl.*.part"))
        if parts and parts[0].stat().st_size > 20_000:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)  # a hang guard, not a speed target (no timed tests)
    assert proc.returncode == 130 and "--resume" in err, err
    kept = out.read_text(encoding="utf-8").splitlines()
    assert 0 < len(kept) < 3000 and all(json.loads(line)["id"] for line in kept)
    done = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    full = tmp_path / "full.jsonl"
    subprocess.run(cmd[:5] + ["-o", str(full), "--cache-dir", str(tmp_path / "c")], check=True, env=env,
                   capture_output=True)
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")
