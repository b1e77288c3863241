"""The embedding cache: keyed by embedder and exact text, shared safely by processes."""

import multiprocessing

import numpy as np

from kcna_themes.embedding import CachedEmbedder, EmbeddingCache

from .conftest import FakeEmbedder


def _open_and_write(args):
    folder, worker, barrier = args
    barrier.wait()  # every process opens the new cache at the same moment
    cache = EmbeddingCache(folder)
    cache.put_many({f"{worker}-{i}": np.full(4, i, dtype=np.float32) for i in range(50)})
    return len(cache.get_many([f"{worker}-{i}" for i in range(50)]))


def test_many_processes_can_create_and_fill_one_new_cache_at_once(tmp_path):
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(8) as pool:
        for trial in range(5):
            folder = str(tmp_path / f"cache-{trial}")
            barrier = manager.Barrier(8)
            assert pool.map(_open_and_write, [(folder, w, barrier) for w in range(8)]) == [50] * 8


def test_cache_keys_on_embedder_and_exact_text(tmp_path):
    fake = FakeEmbedder()
    cached = CachedEmbedder(fake, EmbeddingCache(tmp_path))
    first = cached.embed(["rice harvest", "football match"])
    again = cached.embed(["rice harvest", "rice harvest "])
    assert np.allclose(first[0], again[0]) and fake.texts_embedded == 3  # the trailing space is new text
    other = CachedEmbedder(FakeEmbedder(id="another-model"), EmbeddingCache(tmp_path))
    other.embed(["rice harvest"])
    assert other.misses == 1
