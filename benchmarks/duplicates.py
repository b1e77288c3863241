"""Precision and recall of ``tag``'s near-duplicate rule on pairs read and judged by hand.

``benchmarks/duplicate_pairs.jsonl`` holds pairs of articles from ``../shared/corpus``
(ids, a same-story judgement and a one-line reason). They were drawn from the pairs
within 3 days of each other whose article embeddings have cosine >= 0.75: every pair
above 0.93, a spread below it, the pairs whose bodies share most 5-word shingles
(reprints under a changed headline), and pairs with identical headlines on different
stories. Each pair was read and judged: the same story is the same news event told
twice (a reissue, a short flash and its full report, a reprint under a new headline, a
foreign outlet's report of it); different stories on one event (a meeting and the
protocol it signed; arrival and departure) stay two.

The rule sees what ``tag`` sees: the model's own vectors (the article half of the
classifier's input, from the embedding cache), the titles and the bodies' SimHash, through
``kcna_themes.duplicates``. It also runs the rule over the whole corpus the pairs come
from, in input order, and says how many articles it marks.

    python benchmarks/duplicates.py [--corpus-dir ../shared/corpus]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from kcna_themes.captures import capture_from_record  # noqa: E402
from kcna_themes.duplicates import (  # noqa: E402
    DEFAULT_RULE,
    DuplicateIndex,
    body_hash,
    story_vectors,
    title_overlap,
    title_words,
)
from kcna_themes.tagging import load_tagger  # noqa: E402


def precision_recall(judged: list[dict], predicted: list[bool]) -> tuple[float, float, int, int, int]:
    truth = [p["same_story"] for p in judged]
    tp = sum(t and p for t, p in zip(truth, predicted))
    fp = sum(p and not t for t, p in zip(truth, predicted))
    fn = sum(t and not p for t, p in zip(truth, predicted))
    return tp / max(1, tp + fp), tp / max(1, tp + fn), tp, fp, fn


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus-dir", default=str(HERE.parent.parent / "shared" / "corpus"))
    ap.add_argument("--pairs", default=str(HERE / "duplicate_pairs.jsonl"))
    args = ap.parse_args()

    judged = [json.loads(line) for line in open(args.pairs, encoding="utf-8") if line.strip()]
    model, _ = load_tagger()
    headline = model.metadata.embedder.headline
    for corpus in sorted({p["corpus"] for p in judged}):
        rows = [json.loads(line) for line in open(Path(args.corpus_dir) / f"{corpus}.jsonl", encoding="utf-8")]
        captures = [capture_from_record(r, corpus, n) for n, r in enumerate(rows, 1)]
        vectors = np.vstack([story_vectors(model.embed([c.embed_text for c in captures[i:i + 500]]), headline)
                             for i in range(0, len(captures), 500)])
        bodies = [body_hash(c.text) for c in captures]
        index_of = {c.id: i for i, c in enumerate(captures)}
        pairs = [p for p in judged if p["corpus"] == corpus]
        features = []
        for p in pairs:
            a, b = index_of[p["a"]], index_of[p["b"]]
            cosine = float(vectors[a].astype(np.float32) @ vectors[b].astype(np.float32))
            overlap = title_overlap(title_words(captures[a].title), title_words(captures[b].title))
            days = abs(date.fromisoformat(captures[a].published).toordinal()
                       - date.fromisoformat(captures[b].published).toordinal())
            features.append((cosine, overlap, days, (bodies[a] ^ bodies[b]).bit_count()))

        def decide(rule):
            return [d <= rule.window_days and rule.is_same_story(c, t, bits) for c, t, d, bits in features]

        n_same = sum(p["same_story"] for p in pairs)
        print(f"{corpus}: {len(pairs)} judged pairs, {n_same} the same story, {len(pairs) - n_same} different")
        precision, recall, tp, fp, fn = precision_recall(pairs, decide(DEFAULT_RULE))
        print(f"  the rule ({DEFAULT_RULE}):")
        print(f"    precision {precision:.3f}, recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
        for p, said, (cosine, overlap, _, bits) in zip(pairs, decide(DEFAULT_RULE), features):
            if said != p["same_story"]:
                kind = "missed" if p["same_story"] else "false duplicate"
                print(f"    {kind}: {p['a']} {p['b']} cosine {cosine:.3f}, title overlap {overlap:.2f}, "
                      f"body bits {bits}: {p['reason']}")
        def marked(rule) -> int:
            index = DuplicateIndex(rule)
            return sum(index.observe(c.id, c.title, c.published, v, h) is not None
                       for c, v, h in zip(captures, vectors, bodies))

        print("  other settings of the same rule, for the trade-off (and how many of the corpus each marks):")
        for same_text in (0.92, 0.94, 0.96, 0.98):
            for similar in (0.88, 0.90, 0.92):
                for title in (0.5, 0.7):
                    rule = replace(DEFAULT_RULE, same_text_cosine=same_text, similar_cosine=similar,
                                   similar_title=title)
                    p, r, *_ = precision_recall(pairs, decide(rule))
                    print(f"    same_text_cosine {same_text:.2f} similar_cosine {similar:.2f} "
                          f"similar_title {title:.1f}: precision {p:.3f} recall {r:.3f}, marks {marked(rule)}")
        n = marked(DEFAULT_RULE)
        print(f"  over the whole corpus in file order: {n} of {len(captures)} articles marked "
              f"duplicate_of ({n / len(captures):.1%})")


if __name__ == "__main__":
    main()
