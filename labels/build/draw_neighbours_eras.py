"""Round 2 of the era draw: neighbours of what the held-out-era error analysis showed.

Trained on 2011 and 2015-2017 and scored on 2024's random sample, the model missed
Kim Jong Un era genres that 2011 never had: reminiscences of a leader's visit told as a
story ("Lighting System Reinforced at Worksite"), new houses at farms (construction,
not agriculture), flood-recovery drives against relief, official press statements, and
history told as history (heritage is weak in every era). This draw ranks the unread
2015-2017 corpus by cosine similarity (bundled all-MiniLM-L6-v2, ONNX int8, 128 tokens)
to articles that *readers* labelled and described so in their notes (never the random
samples, which measure the model), and takes the closest. It only chooses what to read;
each article is then read and labelled as what it is.

    python labels/build/draw_neighbours_eras.py ../shared/corpus labels/build/drawn-eras-2.jsonl
"""

import re
import sys
from pathlib import Path

import numpy as np
from drawing import first_reading_notes, take_nearest, write_draw
from merge import HERE, read_jsonl

from kcna_themes.embedding import load_embedder

GROUPS = {  # sample name: (labelled seeds: theme required, note pattern), how many
    "reminiscence": (("leader", r"reminisc|anecdote|recollect|story of"), 100),
    "farm-houses": (("construction", r"house|dwelling|flats"), 40),
    "flood-recovery": ((None, r"flood"), 30),
    "statement": ((None, r"statement|spokes"), 50),
    "heritage": (("heritage", r""), 80),
}


def main(corpus_dir: str, outfile: str) -> None:
    pool = read_jsonl(Path(corpus_dir) / "kcna-2015-2017.jsonl")
    labelled = {}
    for name in ("kcna-2011.jsonl", "kcna-2015-2017.jsonl", "kcna-2024.jsonl"):
        for r in read_jsonl(HERE.parent / name):
            labelled[r["id"]] = r
    notes = first_reading_notes()
    pool = [r for r in pool if r["id"] not in labelled]
    emb = load_embedder("default", max_tokens=128)
    P = emb.embed([f"{r['title']}\n{r['text']}" for r in pool])
    taken: set[str] = set()
    chosen = []
    for group, ((theme, pattern), n) in GROUPS.items():
        seeds = [r for r in labelled.values() if not r["sample"].startswith("random")
                 and (theme is None or theme in r["themes"])
                 and (theme != "heritage" or "leader" not in r["themes"])
                 and re.search(pattern, notes.get(r["id"], ""), re.I)]
        S = emb.embed([f"{r['title']}\n{r['text']}" for r in seeds])
        sim = (P @ S.T).max(axis=1)
        picked = take_nearest(np.argsort(-sim), pool, taken, n, f"neighbours:{group}")
        chosen += picked
        print(f"{group}: {len(seeds)} seeds, drew {len(picked)}")
    write_draw(outfile, chosen)


if __name__ == "__main__":
    main(*sys.argv[1:3])
