"""Shared fixtures: a small deterministic fake embedder, and paths to real data.

The real data lives in the repository, so the suite passes in a clone with nothing
beside it: the five real page captures of ``examples/captures`` (the same files as
``../shared/seeds``), and ``tests/data/corpus-slice.jsonl``, 440 real KCNA articles
(the first 300 of the 2011 corpus, 40 more of it with field-guidance, harvest,
weightlifting and Ugandan titles, 60 of 2015-2017 and 40 of 2024, drawn with seed 0).
"""

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from kcna_themes import embedding
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.cli import Services, cli

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "examples" / "captures"
CORPUS = ROOT / "tests" / "data" / "corpus-slice.jsonl"


class FakeEmbedder:
    """Feature hashing of words into 64 dimensions: deterministic, instant, and
    learnable (texts about the same things share words, so share directions)."""

    def __init__(self, dim: int = 64, id: str = "fake-hash-64"):
        self.id = id
        self.dim = dim
        self.calls = 0
        self.texts_embedded = 0

    def embed(self, texts):
        self.calls += 1
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) & 1 else -1.0
            out[i] /= max(np.linalg.norm(out[i]), 1e-9)
        return out


def fake_services(fake: FakeEmbedder | None = None) -> Services:
    """The CLI's services with ``fake`` (a new FakeEmbedder by default) passed in as
    every embedder the commands load, behind the real disk cache as in use."""
    fake = fake or FakeEmbedder()

    def load(model="default", backend="onnx-int8", long_text="truncate", max_tokens=None, cache_dir=None,
             use_cache=True, headline=False):
        emb = fake
        if use_cache:
            emb = embedding.CachedEmbedder(fake, embedding.EmbeddingCache(cache_dir or embedding.default_cache_dir()))
        return embedding.HeadlineEmbedder(emb) if headline else emb

    return Services(load_embedder=load)


def invoke(args, fake: FakeEmbedder | None = None, **kwargs):
    """Run the command line in-process with the fake embedder passed in."""
    return CliRunner().invoke(cli, [str(a) for a in args], obj=fake_services(fake), **kwargs)


@pytest.fixture
def fake_embedder():
    """One FakeEmbedder; pass it to ``invoke`` to see what the commands embedded."""
    return FakeEmbedder()


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real cache (nor a folder it tags)."""
    monkeypatch.setenv("KCNA_THEMES_CACHE", str(tmp_path_factory.mktemp("cache")))


TOPICS = {
    "leader": "Kim Jong Il provided field guidance inspected praised leader general secretary",
    "construction": "construction power station new houses built factory project completed",
    "agriculture": "farm rice harvest sowing crops fertilizer cooperative farmers",
    "sport": "football match championship players team won gold medals",
    "heritage": "historical relic tomb ancient museum tradition folk customs",
    "diplomacy": "delegation ambassador embassy talks friendship foreign minister visit",
}
DATELINE = "Pyongyang, KCNA -- "  # every article names the DPRK, or ruling 6 would make it world news
FILLER = "the of and in on was were people country year day said this that with for".split()


def make_labelled(n_per_theme: int = 12, n_none: int = 20, seed: int = 0):
    """Synthetic labelled articles whose words carry their themes (for fake-embedder tests)."""
    rng = np.random.default_rng(seed)
    rows = []
    themes = list(TOPICS)

    def text_for(active):
        words = []
        for t in active:
            words += list(rng.choice(TOPICS[t].split(), 12))
        words += list(rng.choice(FILLER, 20 if active else 30))
        rng.shuffle(words)
        return DATELINE + " ".join(words) + "."

    k = 0
    for t in themes:
        for _ in range(n_per_theme):
            k += 1
            rows.append({"id": f"a{k}", "title": f"Article {k}", "text": text_for([t]), "themes": [t]})
    for _ in range(n_none):
        k += 1
        rows.append({"id": f"a{k}", "title": f"Article {k}", "text": text_for([]), "themes": []})
    return rows


def labelled_matrix(n_per_theme: int = 15, n_none: int = 30) -> tuple[list[str], np.ndarray]:
    """``make_labelled``'s texts and their 0/1 theme matrix (columns in TOPICS order), as estimators take them."""
    rows = make_labelled(n_per_theme=n_per_theme, n_none=n_none)
    return [r["text"] for r in rows], np.array([[int(t in r["themes"]) for t in TOPICS] for r in rows])


def train_on_fake_embedder(folder: Path, folds: int = 3, rows=None):
    """Train a model folder through the CLI on synthetic labels (``rows``, by default
    ``make_labelled()``) and the fake embedder.

    Returns the model folder and the CliRunner result (for what ``train`` printed).
    """
    from threadpoolctl import threadpool_limits

    labels = write_jsonl(folder / "labels.jsonl", make_labelled() if rows is None else rows)
    with pytest.MonkeyPatch.context() as mp, threadpool_limits(1):  # many tiny fits: threads only contend
        mp.setenv("KCNA_THEMES_CACHE", str(folder / "cache"))
        result = invoke(["train", labels, "--model", folder / "model", "--folds", folds, "--no-headline"])
    assert result.exit_code == 0, result.output + result.stderr
    return folder / "model", result


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_press_review(path: Path, item: str) -> Path:
    """A page capture of a KCNA-style "Press Review" (codebook ruling 11: a digest) whose six
    items all say ``item``."""
    path.write_text("Press Review\n\nFollowing are major news items and articles in leading newspapers:\n\n"
                    + "\n".join(f"- {item} {k}." for k in range(6)), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fake_labelled():
    """``labelled_matrix()``: texts and theme matrix, columns in ``TOPICS``' order."""
    return labelled_matrix()


@pytest.fixture(scope="session")
def fake_classifier(fake_labelled):
    """A ThemeClassifier fitted once on ``fake_labelled`` with the shipped defaults (digests
    none among them), shared by the modules that only read it."""
    texts, Y = fake_labelled
    return ThemeClassifier(embedder=FakeEmbedder(), themes=list(TOPICS)).fit(texts, Y)


@pytest.fixture(scope="session")
def fake_model_dir(tmp_path_factory):
    """One model folder trained on the fake embedder, shared by every module that only reads it."""
    return train_on_fake_embedder(tmp_path_factory.mktemp("fake-model"))[0]


@pytest.fixture(scope="session")
def small_model_dir(tmp_path_factory):
    """A smaller model (8 articles a theme, 2 folds), trained once for the bad-input modules."""
    rows = make_labelled(n_per_theme=8, n_none=10)
    return train_on_fake_embedder(tmp_path_factory.mktemp("small-model"), folds=2, rows=rows)[0]


@pytest.fixture
def tag_small(small_model_dir, fake_embedder):
    """``kcna-themes tag`` on the small model with the fake embedder: ``tag_small(*args)``."""
    def run(*args):
        return invoke(["tag", "--model", small_model_dir, *args], fake_embedder)
    return run


def records(output: str) -> list[dict]:
    """The JSON records a command printed, one a line."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]
