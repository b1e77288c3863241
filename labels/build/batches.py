"""Write the batch files readers are given: each article's id, date, title and text, the
text cut where readers stop (3,000 characters for 2011, 5,000 for the later eras, as the
briefs say), in the format every brief in this folder describes.

The articles and their order come from any JSON Lines file with an ``id`` on each line: a
draw file for a new round, or a readings file to rebuild the very batch its reader saw
(readings keep the batch's order). Texts come from the corpus, so a batch is the same
whether or not its articles are merged into ``labels/`` yet.

Run from the repository root:

* rebuild one reader's batch: ``python labels/build/batches.py ../shared/corpus
  labels/readings/second_e20.jsonl --chars 3000 -o batch_1.txt``;
* deal a new draw into batches for several readers: ``python labels/build/batches.py
  ../shared/corpus labels/build/drawn-roundN.jsonl --batches 4 --seed N -o DIR`` writes
  ``DIR/batch_1.txt`` to ``batch_4.txt``, the draw shuffled with ``--seed`` and dealt in turn.
"""

import argparse
import random
import sys
from pathlib import Path

from merge import corpus_by_id, read_jsonl

CUT = "\n[... cut here: {rest} more characters not shown]"


def batch_text(articles: list[dict], chars: int) -> str:
    """One batch: the articles numbered from 1, each text cut at ``chars`` with a note of
    how much was not shown."""
    parts = []
    for n, article in enumerate(articles, 1):
        text = article["text"]
        shown = text[:chars] + (CUT.format(rest=len(text) - chars) if len(text) > chars else "")
        parts.append(f"=== [{n}] id: {article['id']} | date: {article['date']}\n"
                     f"TITLE: {article['title']}\nTEXT:\n{shown}\n\n")
    return "".join(parts)


def deal(articles: list[dict], batches: int, seed: int | None) -> list[list[dict]]:
    """``batches`` lists, in turn from the articles (shuffled first when ``seed`` is given)."""
    order = list(articles)
    if seed is not None:
        random.Random(seed).shuffle(order)
    return [order[k::batches] for k in range(batches)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus_dir", type=Path)
    parser.add_argument("ids", type=Path, help="JSON Lines with an id on each line, in batch order")
    parser.add_argument("--chars", type=int, default=5000, help="where each text is cut (3000 for 2011)")
    parser.add_argument("--batches", type=int, default=1)
    parser.add_argument("--seed", type=int, default=None, help="shuffle before dealing")
    parser.add_argument("-o", "--out", type=Path, required=True,
                        help="the batch file; with --batches above 1, the folder for batch_K.txt")
    args = parser.parse_args(argv)
    corpus = corpus_by_id(args.corpus_dir)
    ids = [r["id"] for r in read_jsonl(args.ids)]
    missing = [i for i in ids if i not in corpus]
    if missing:
        print(f"{args.ids}: {len(missing)} ids not in {args.corpus_dir}, e.g. {missing[0]}", file=sys.stderr)
        return 1
    groups = deal([corpus[i] for i in ids], args.batches, args.seed)
    if args.batches == 1:
        args.out.write_text(batch_text(groups[0], args.chars), encoding="utf-8")
        print(f"{len(ids)} articles into {args.out}")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for k, group in enumerate(groups, 1):
        (args.out / f"batch_{k}.txt").write_text(batch_text(group, args.chars), encoding="utf-8")
        print(f"{len(group)} articles into {args.out / f'batch_{k}.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
