"""How fast the shipped encoder reads at each window, in tokens.

    python benchmarks/encoder_window.py [--n 300] [--tokens 128 96 64] | tee benchmarks/encoder_window.txt

Cold tagging is the encoder's time, and the encoder's time grows with the tokens it
reads. This embeds N articles of the 2015-2017 corpus (every 20th, so most run past
the longest window) with the shipped int8 encoder as ``tag`` does (one text per call,
two worker threads, no cache) at each window, after a warm-up, and prints texts/s.
Which window to ship is an accuracy question as well: ``benchmarks/eras.py`` measures
that on held-out eras.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from kcna_themes.embedding import load_embedder

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "kcna-2015-2017.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--tokens", type=int, nargs="+", default=[128, 96, 64])
    args = ap.parse_args()
    texts = []
    with open(CORPUS, encoding="utf-8") as fh:
        for number, line in enumerate(fh):
            if number % 20 == 0:
                texts.append(json.loads(line)["text"])
            if len(texts) == args.n:
                break
    print(f"{len(texts)} articles of {CORPUS.name} (every 20th), one text per call, 2 worker threads\n")
    for tokens in args.tokens:
        embedder = load_embedder(max_tokens=tokens, use_cache=False)
        embedder.embed(texts[:5])
        start = time.perf_counter()
        embedder.embed(texts)
        print(f"{tokens:4} tokens: {len(texts) / (time.perf_counter() - start):6.1f} texts/s", flush=True)


if __name__ == "__main__":
    main()
