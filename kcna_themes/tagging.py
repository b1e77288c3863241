"""Tag captures in a stream: read, embed and score in batches, write as you go.

Memory stays flat whatever the input size: captures are read lazily, embedded a
batch at a time (behind the cache) and written out before the next batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import numpy as np

from . import embedding
from .captures import Capture
from .csvsafe import neutralise_cell, restore_cell
from .duplicates import DuplicateIndex, body_hash, story_vectors
from .embedding import Embedder
from .errors import InputError, KcnaThemesError
from .metadata import default_model_dir, read_metadata
from .model import ThemeModel, load_model
from .reading import read_tagged_lines

# a tag record's single-valued fields, in the order CSV columns them (themes and scores follow)
SCALAR_FIELDS = ("id", "title", "published", "source", "path", "url", "model", "duplicate_of")


def load_tagger(model_dir=None, embedder_override: str | None = None, cache_dir=None, use_cache: bool = True,
                load_embedder: Callable[..., Embedder] = embedding.load_embedder, trust_pickle: bool = False
                ) -> tuple[ThemeModel, Embedder]:
    """The model folder and the embedder it was trained with (or ``embedder_override``).

    The metadata is read and checked before the classifier file is opened; the
    embedder is rebuilt from it by ``load_embedder``, behind the cache, and the
    model refuses a different one.
    """
    folder = Path(model_dir) if model_dir else default_model_dir()
    spec = read_metadata(folder).embedder
    emb = load_embedder(embedder_override or spec.model or "default", backend=spec.backend or "onnx-int8",
                        long_text=spec.long_text or "truncate", max_tokens=spec.max_tokens, cache_dir=cache_dir,
                        use_cache=use_cache, headline=spec.headline)
    return load_model(folder, emb, trust_pickle=trust_pickle), emb


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def tag_record(capture: Capture, probs: np.ndarray, model: ThemeModel, duplicate_of: str | None = None) -> dict:
    """The output record: themes over their thresholds, strongest first, every score, and
    the id of the first occurrence of its story when it is a near-duplicate (else None)."""
    themes = model.themes
    chosen = model.themes_over_threshold(probs)
    return {
        "id": capture.id,
        "title": capture.title,
        "published": capture.published,
        "source": capture.source,
        "path": capture.path,
        "url": capture.url,
        "themes": chosen,
        "scores": {t: round(float(p), 4) for t, p in zip(themes, probs)},
        "model": model.model_id,
        "duplicate_of": duplicate_of,
    }


Explain = Callable[[Sequence[Capture], np.ndarray, np.ndarray], list[dict]]


def tag_stream(captures: Iterable[Capture], model: ThemeModel, batch_size: int = 64,
               done_ids: Collection[str] = frozenset(), duplicates: DuplicateIndex | None = None,
               on_story: Callable[[np.ndarray, np.ndarray], None] | None = None,
               explain: Explain | None = None) -> Iterator[list[dict]]:
    """Yield tagged records a batch at a time, near-duplicates marked (``duplicates``).

    Captures whose id is in ``done_ids`` (the records a --resume keeps) are not scored
    or yielded, but their vectors (from the cache) still seed the duplicate index, so a
    resumed run marks exactly what an uninterrupted one would. ``on_story`` receives the
    story vectors and body hashes of each batch's yielded records (the Dask shards keep
    them for the merge). ``explain(captures, probs, embeddings)`` (``Explainer.explain``)
    gives each scored record an ``explanation`` from the scores already computed.
    """
    duplicates = duplicates if duplicates is not None else DuplicateIndex()
    headline = model.metadata.embedder.headline
    if model.embedder is None:
        raise KcnaThemesError("the model was loaded without an embedder: nothing can be tagged")
    for batch in batched(captures, batch_size):
        texts = [c.embed_text for c in batch]
        E = model.embed(texts)  # once: the classifier scores these, the duplicate index keeps them
        vectors = dict(zip((c.id for c in batch), story_vectors(E, headline)))
        todo = [i for i, c in enumerate(batch) if c.id not in done_ids]
        P = model.score([texts[i] for i in todo], embeddings=E[todo])
        probs = {batch[i].id: p for i, p in zip(todo, P)}
        bodies = {c.id: body_hash(c.text) for c in batch}
        explanations: dict[str, dict] = {}
        if explain is not None and todo:  # from the scores above: explaining scores nothing again
            explanations = dict(zip((batch[i].id for i in todo), explain([batch[i] for i in todo], P, E[todo])))
        records = []
        for c in batch:
            duplicate_of = duplicates.observe(c.id, c.title, c.published, vectors[c.id], bodies[c.id])
            if c.id in probs:
                records.append(tag_record(c, probs[c.id], model, duplicate_of))
                if c.id in explanations:
                    records[-1]["explanation"] = explanations[c.id]
        if on_story is not None and todo:
            on_story(np.vstack([vectors[batch[i].id] for i in todo]),
                     np.array([bodies[batch[i].id] for i in todo], dtype=np.uint64))
        if records:
            yield records


def write_tagged(captures: Iterable[Capture], model: ThemeModel, out, fmt: str = "jsonl",
                 batch_size: int = 64, on_batch: Callable[[int], None] | None = None,
                 done_ids: Collection[str] = frozenset(),
                 on_story: Callable[[np.ndarray, np.ndarray], None] | None = None,
                 explain: Explain | None = None) -> int:
    """Tag ``captures`` and write their records to ``out`` a batch at a time; return how many.

    The one tag loop: ``kcna-themes tag`` and the Dask shards both write through it.
    Each batch is flushed before the next is embedded, so an interrupted run keeps
    whole records; ``on_batch(n)`` is called after each batch is written. Captures in
    ``done_ids`` are already written (--resume): they only seed the duplicate marking.
    """
    written = 0
    for records in tag_stream(captures, model, batch_size, done_ids=done_ids, on_story=on_story, explain=explain):
        out.write("".join(format_record(r, fmt, model.themes) for r in records))
        out.flush()
        written += len(records)
        if on_batch is not None:
            on_batch(len(records))
    return written


# ------------------------------------------------------------------ output

def csv_header(themes: Sequence[str]) -> list[str]:
    return [*SCALAR_FIELDS, "themes"] + [f"score_{t}" for t in themes]


def format_record(record: dict, fmt: str, themes: Sequence[str]) -> str:
    """One record as a line of JSON Lines or CSV (with its newline)."""
    if fmt == "jsonl":
        return json.dumps(record, ensure_ascii=False) + "\n"
    row = {k: record.get(k) for k in SCALAR_FIELDS}
    row["themes"] = ";".join(record["themes"])
    row.update({f"score_{t}": record["scores"][t] for t in themes})
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=csv_header(themes), lineterminator="\n").writerow(
        {k: neutralise_cell(v) for k, v in row.items()})
    return buf.getvalue()


def header_line(fmt: str, themes: Sequence[str]) -> str:
    if fmt != "csv":
        return ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(csv_header(themes))
    return buf.getvalue()


def read_done(path: Path, fmt: str, model: ThemeModel) -> tuple[list[str], set[str]]:
    """For --resume: the complete lines already in ``path`` and the ids they hold.

    A torn last line (no newline) is dropped; a line from another model is an error,
    since the resumed file would mix models.
    """
    if not path.exists():
        return [], set()
    header, lines = read_tagged_lines(path, fmt)
    if fmt == "csv" and header is not None and header != csv_header(model.themes):
        raise KcnaThemesError(f"{path}: cannot resume, its CSV columns are not this model's")
    kept: list[str] = []
    ids: set[str] = set()
    for n, text, record in lines:
        if not isinstance(record, dict) or "id" not in record:
            raise InputError(path, "cannot resume: malformed line in the existing output", line=n)
        if record.get("model") != model.model_id:
            raise KcnaThemesError(f"{path}:{n}: cannot resume, written by another model ({record.get('model')})")
        ids.add(restore_cell(record["id"]) if fmt == "csv" else str(record["id"]))  # CSV ids were neutralised
        kept.append(text)
    return kept, ids
