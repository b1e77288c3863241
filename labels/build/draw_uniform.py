"""Round 9 (``uniform:2015-2017``): articles drawn uniformly from those of 2015-2017 that no
draw before it took, to add labels in the era's own proportions rather than by genre.

Why: a learning curve (``benchmarks/README.md``, *Labels round 9*) trained every held-out split
on a seeded 60% and 80% of its labelled articles. Held-out macro-F1 on 2024's and 2011's random
samples still rose from 80% to all of them (0.860 to 0.886, 0.874 to 0.893), so more labels of
the training eras should still pay on today's captures, while the targeted rounds 4, 7 and 8,
drawn by genre, lowered 2024's figure. A uniform draw from the Kim Jong Un era adds what its
output is made of. It is not a random sample for measurement: the random samples are what
accuracy and shares are measured on, and they stay as drawn (and all read twice).

Like the other draws this only *chooses which articles get read*; it never assigns a label.

Run from the repository root: ``python labels/build/draw_uniform.py ../shared/corpus OUTFILE``.
Deterministic: a fixed seed, and the draws before it are every ``drawn*.jsonl`` but its own and
any later round's, so a later draw does not change it.
"""

import random
import sys
from pathlib import Path

from drawing import taken_before, write_draw
from merge import read_jsonl

SEED = 9
N = 400
SAMPLE = "uniform:2015-2017"
ROUND = 9


def main(corpus_dir: str, outfile: str) -> None:
    read = taken_before(ROUND)
    pool = [r for r in read_jsonl(Path(corpus_dir) / "kcna-2015-2017.jsonl") if r["id"] not in read]
    chosen = random.Random(SEED).sample(pool, N)
    write_draw(outfile, [{k: rec[k] for k in ("id", "date", "title")} | {"sample": SAMPLE} for rec in chosen])


if __name__ == "__main__":
    main(*sys.argv[1:3])
