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


def test_headline_embedder_sets_the_first_lines_vector_beside_the_articles(tmp_path):
    from kcna_themes.embedding import HeadlineEmbedder, innermost

    fake = FakeEmbedder()
    emb = HeadlineEmbedder(CachedEmbedder(fake, EmbeddingCache(tmp_path)))
    texts = ["Rice Harvest Ends\nFarmers gathered the rice harvest.", "A bare capture without a title."]
    X = emb.embed(texts)
    assert emb.id == "fake-hash-64+headline" and emb.dim == 128 and X.shape == (2, 128)
    assert np.allclose(X[:, :64], fake.embed(texts))
    assert np.allclose(X[0, 64:], fake.embed(["Rice Harvest Ends"])[0])
    assert np.allclose(X[1, 64:], X[1, :64])  # one line: the headline is the text
    assert innermost(emb) is fake
    before = emb.hits
    emb.embed(texts)
    assert emb.hits - before == 4  # both parts were served from the cache the second time


def test_cache_keeps_vectors_of_another_encoder_build_or_cpu_apart(tmp_path):
    """The int8 encoder's vectors depend on its build and the CPU's int8 kernels, not only on
    the text: a cache shared between machines, or kept across a rebuild, must not mix them."""
    fake = FakeEmbedder()
    fake.provenance = "69f448caf1956f41@x86_64-avx2"
    cached = CachedEmbedder(fake, EmbeddingCache(tmp_path))
    cached.embed(["rice harvest"])
    cached.embed(["rice harvest"])
    assert (cached.hits, cached.misses) == (1, 1)
    fake.provenance = "69f448caf1956f41@x86_64-avx512_vnni"  # the same build on a VNNI machine
    cached.embed(["rice harvest"])
    fake.provenance = "0123456789abcdef@x86_64-avx2"  # another build on the first machine's kernels
    cached.embed(["rice harvest"])
    assert (cached.hits, cached.misses) == (1, 3)
    fake.provenance = "69f448caf1956f41@x86_64-avx2"
    cached.embed(["rice harvest"])
    assert (cached.hits, cached.misses) == (2, 3)  # the first machine's vector is still there
