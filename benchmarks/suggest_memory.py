"""Peak memory of `suggest` as the pool grows: it streams, so it should stay flat.

    python benchmarks/suggest_memory.py --sizes 1000 10000 100000

Each size runs in a fresh process: a synthetic pool of N article records (the
440 real articles of tests/data/corpus-slice.jsonl, cycled, each copy made unique
by a numbered sentence, bodies cut at 1,500 characters) is written to a JSON Lines
file, then `suggest` reads it the way the command line does (``read_captures``),
scores it with the shipped classifier and picks 50. The encoder is replaced by a
hashing stand-in with the shipped model's embedder id and dimension: the encoder's
own memory does not grow with the pool (it embeds a batch at a time, as in `tag`),
and the stand-in keeps a 100,000-article run to minutes. Peak RSS is the process's
``ru_maxrss``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SLICE = ROOT / "tests" / "data" / "corpus-slice.jsonl"


class HashingEncoder:
    """Words hashed into the shipped model's 768 dimensions: deterministic and instant."""

    def __init__(self, id: str, dim: int):
        self.id, self.dim = id, dim

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest()[:8], 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) & 1 else -1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out


def write_pool(path: Path, n: int) -> None:
    rows = [json.loads(line) for line in SLICE.read_text(encoding="utf-8").splitlines() if line.strip()]
    with open(path, "w", encoding="utf-8") as fh:
        for k, row in enumerate(islice(cycle(rows), n)):
            fh.write(json.dumps({"id": f"p{k}", "title": row.get("title"), "date": row.get("date"),
                                 "text": f"{row['text'][:1500]} Dispatch number {k}."}) + "\n")


def run_one(n: int) -> None:
    """In this process: suggest 50 of a pool of n, and print one JSON line of measurements."""
    from kcna_themes.batch import BatchLog
    from kcna_themes.captures import read_captures
    from kcna_themes.metadata import default_model_dir, read_metadata
    from kcna_themes.model import load_model
    from kcna_themes.suggest import suggest

    spec = read_metadata(default_model_dir()).embedder
    model = load_model(default_model_dir(), HashingEncoder(spec.id, spec.dim))
    with tempfile.TemporaryDirectory() as tmp:
        pool = Path(tmp) / "pool.jsonl"
        write_pool(pool, n)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        found = suggest(read_captures([str(pool)], BatchLog()), model, n=50)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"pool": n, "read": found.read, "picked": len(found.picked),
                      "rss_before_mb": round(before / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
                      "seconds": round(seconds, 1)}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        run_one(args.one)
        return
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True,
                             cwd=ROOT, check=True)
        print(out.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
