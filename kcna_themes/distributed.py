"""Tag an archive on a Dask cluster: shards out, one result back, same as one machine.

The archive is cut into shards (groups of capture files, or line ranges of
large JSON Lines files). Each shard is tagged on a worker by the ordinary
pipeline, with the worker's own encoder (loaded once per worker process) and the
shared embedding cache, and written to its own file atomically. The shard files
are then merged in shard order, keeping the first record of a repeated id, which
gives exactly what a single-machine ``kcna-themes tag`` of the same inputs writes.

Near-duplicates: each shard marks ``duplicate_of`` within itself and keeps the story
vectors and body hashes of its records beside its output (``<shard>.story.npz``); the merge
marks them again over the merged stream, in order, so a story repeated across shards is
marked as a single machine would mark it.

Dask does the scheduling; nothing here schedules.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import atomic_write
from .batch import BatchLog
from .captures import DEFAULT_MAX_BYTES, captures_from_rows, expand_inputs, read_captures
from .errors import InputError, printable
from .reading import CHUNK, check_head, line_offsets, open_binary, read_tagged_lines, stream_rows


@dataclass(frozen=True)
class Shard:
    """Either some whole files, or lines [start, stop) of one JSON Lines file.

    ``offset`` is the byte position of line ``start`` (counting from 0), found when
    the shards are planned, so a worker seeks there and reads only its own lines.
    It is derived from the other fields, so it takes no part in comparing shards.
    """

    paths: tuple[str, ...]
    start: int | None = None
    stop: int | None = None
    offset: int = field(default=0, compare=False)


def plan_shards(inputs: Iterable[str], shard_size: int = 2000, log: BatchLog | None = None) -> list[Shard]:
    """Cut the inputs into shards of about ``shard_size`` captures, in input order."""
    log = log or BatchLog()
    shards: list[Shard] = []
    loose: list[str] = []
    for path in expand_inputs(inputs, log):
        if path == "-":
            raise InputError("-", "stdin cannot be sharded", "write it to a file first")
        path = Path(path)
        if path.suffix.lower() in (".jsonl", ".ndjson") and _shardable(path):
            if loose:
                shards.append(Shard(tuple(loose)))
                loose = []
            n_lines, offsets = line_offsets(path, shard_size)
            for k, start in enumerate(range(0, max(n_lines, 1), shard_size)):
                shards.append(Shard((str(path),), start, min(start + shard_size, n_lines),
                                    offsets[k] if k < len(offsets) else 0))
        else:
            loose.append(str(path))
            if len(loose) >= shard_size:
                shards.append(Shard(tuple(loose)))
                loose = []
    if loose:
        shards.append(Shard(tuple(loose)))
    return shards


@functools.lru_cache(maxsize=4)
def _worker_model(model_dir: str | None, cache_dir: str | None):
    """The model, with the embedder it was trained on, loaded once per worker process."""
    from .tagging import load_tagger

    return load_tagger(model_dir, None, cache_dir)[0]


@functools.lru_cache(maxsize=4)
def _worker_explainer(model_dir: str | None, cache_dir: str | None):
    """The worker's model's explainer (with its labelled-set index), built once per worker process."""
    from .explain import explainer_for

    return explainer_for(_worker_model(model_dir, cache_dir))


def _shardable(path: Path) -> bool:
    """A readable, non-empty text file: one that a line range can be cut from. Any other
    goes whole to one worker, which reports it once, as one machine does."""
    try:
        with open_binary(path) as fh:
            check_head(fh.read(CHUNK), path)
    except (InputError, OSError):
        return False
    return path.is_file()


def _shard_captures(shard: Shard, log: BatchLog, max_bytes: int = DEFAULT_MAX_BYTES):
    """The captures of one shard, read as a single machine reads them: the same per-line
    decoding and per-record cap, with the file's own line numbers in messages."""
    if shard.start is None:
        yield from read_captures(list(shard.paths), log, max_bytes)
        return
    path = Path(shard.paths[0])
    try:
        rows = stream_rows(path, max_bytes, log.note, offset=shard.offset, first_line=shard.start + 1,
                           stop_line=shard.stop)
        yield from captures_from_rows(rows, printable(path), log)
    except InputError as err:
        log.skip(err)


def tag_shard(shard: Shard, out_path: str, model_dir: str | None = None, cache_dir: str | None = None,
              batch_size: int = 64, explain: bool = False) -> dict:
    """Tag one shard into ``out_path`` (JSON Lines, written atomically). Runs on a worker.

    ``explain`` adds each record's explanation, as ``kcna-themes tag --explain`` does.
    """
    from . import tagging

    model = _worker_model(model_dir, cache_dir)
    explain_batch = _worker_explainer(model_dir, cache_dir).explain if explain else None
    messages: list[str] = []
    log = BatchLog(echo=messages.append)
    vectors: list[np.ndarray] = []
    bodies: list[np.ndarray] = []

    def keep(v: np.ndarray, b: np.ndarray) -> None:
        vectors.append(v)
        bodies.append(b)

    with atomic_write(out_path) as out:
        tagging.write_tagged(_shard_captures(shard, log), model, out, "jsonl", batch_size, on_batch=log.ok,
                             on_story=keep, explain=explain_batch)
    story_path = story_file(out_path)
    save_story(story_path, vectors, bodies)
    return {"out": out_path, "story": story_path, "processed": log.processed, "skipped": dict(log.skipped),
            "messages": messages}


def story_file(shard_out: str) -> str:
    """Where a shard keeps the story vectors and body hashes of its records, row for row."""
    return os.fspath(shard_out) + ".story.npz"


def save_story(path: str, vectors: list[np.ndarray], bodies: list[np.ndarray]) -> None:
    with atomic_write(path, "wb") as fh:
        np.savez(fh, vectors=np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float16),
                 bodies=np.concatenate(bodies) if bodies else np.zeros(0, dtype=np.uint64))


def merge_shards(results: Sequence[dict], output: str) -> dict:
    """Concatenate shard outputs in shard order, keeping the first record of each id.

    Where the shards kept their story vectors (``result["story"]``), ``duplicate_of``
    is marked again over the merged stream, so copies in different shards are found.
    """
    from .duplicates import DuplicateIndex

    seen: set[str] = set()
    duplicates = 0
    index = DuplicateIndex()
    with atomic_write(output) as out:
        for result in results:
            story = np.load(result["story"], allow_pickle=False) if result.get("story") else None
            for row, (_, line, record) in enumerate(read_tagged_lines(result["out"], "jsonl")[1]):
                rid = record["id"]
                if rid in seen:
                    duplicates += 1
                    continue
                seen.add(rid)
                if story is not None:
                    record["duplicate_of"] = index.observe(rid, record.get("title"), record.get("published"),
                                                           story["vectors"][row], int(story["bodies"][row]))
                    line = json.dumps(record, ensure_ascii=False) + "\n"
                out.write(line)
    return {"written": len(seen), "duplicate_ids": duplicates}


def tag_on_dask(client, inputs: Sequence[str], output: str, work_dir: str, model_dir: str | None = None,
                cache_dir: str | None = None, shard_size: int = 2000, explain: bool = False) -> dict:
    """Tag ``inputs`` on the Dask cluster behind ``client`` and write ``output``.

    ``work_dir`` (and ``cache_dir``) must be reachable by every worker: on one
    machine any folder; on several, a shared filesystem. ``explain`` gives each
    record its explanation, as ``kcna-themes tag --explain`` does.
    """
    shards = plan_shards(inputs, shard_size)
    outs = [str(Path(work_dir) / f"shard-{i:05d}.jsonl") for i in range(len(shards))]
    futures = client.map(tag_shard, shards, outs, model_dir=model_dir, cache_dir=cache_dir, explain=explain,
                         pure=False)
    results = client.gather(futures)
    summary = merge_shards(results, output)
    summary["shards"] = len(shards)
    summary["skipped"] = sum(sum(r["skipped"].values()) for r in results)
    summary["messages"] = [m for r in results for m in r["messages"]]
    return summary
