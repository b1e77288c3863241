"""A corrupt embedding cache (good header, zeroed pages) is moved aside once, and the run goes on."""

import logging
import os
import sqlite3
from pathlib import Path

import numpy as np

from kcna_themes.embedding import EmbeddingCache

from .conftest import invoke
from .test_outputs import ARTICLES, articles  # noqa: F401  (fixtures)


def _zero_pages_after_the_first(db: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = db.stat().st_size
    assert size > 4096
    with open(db, "r+b") as fh:
        fh.seek(4096)
        fh.write(b"\0" * (size - 4096))


def test_tag_moves_a_corrupt_cache_aside_says_so_once_and_tags_everything(tmp_path, articles, small_model_dir,  # noqa: F811
                                                                           caplog):
    cache = tmp_path / "cache"
    many = EmbeddingCache(cache)
    many.put_many({f"k{i}": np.ones(64, dtype=np.float32) for i in range(500)})
    many.close()
    _zero_pages_after_the_first(cache / "embeddings.sqlite")
    with caplog.at_level(logging.WARNING, logger="kcna_themes.embedding"):
        result = invoke(["tag", articles, "--model", small_model_dir, "--cache-dir", cache])
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(ARTICLES)
    warnings = [r.getMessage() for r in caplog.records if "corrupt" in r.getMessage()]
    assert len(warnings) == 1 and "moved aside" in warnings[0]
    assert (cache / "embeddings.sqlite.corrupt").exists()
    again = invoke(["tag", articles, "--model", small_model_dir, "--cache-dir", cache])  # the new cache works
    assert again.exit_code == 0 and f"{len(ARTICLES)} from cache" in again.stderr


def test_a_cache_file_that_is_not_a_database_at_all_is_replaced(tmp_path):
    (tmp_path / "embeddings.sqlite").write_bytes(b"SQLite format 3\0" + os.urandom(8000))
    cache = EmbeddingCache(tmp_path)
    cache.put_many({"a": np.ones(4, dtype=np.float32)})
    assert list(cache.get_many(["a"])) == ["a"]
    assert (tmp_path / "embeddings.sqlite.corrupt").exists()
