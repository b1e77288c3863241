"""Add the labelled-set index (neighbours.npz) to a model folder trained before it existed.

``kcna-themes train`` writes the index itself; this is for a folder already trained,
such as the shipped ``models/default``, which must not be retrained to get one:

    HF_HUB_OFFLINE=1 python labels/build/neighbours.py labels/*.jsonl [--model models/default]

It reads the labelled files the folder was trained on and refuses them unless their
fingerprint is the one ``metadata.json`` records (the exact training set: ids, texts,
labels). The embeddings come from the cache (warm for every labelled article after
training), through the folder's own embedder. Only ``neighbours.npz`` and the
``neighbours`` field of ``metadata.json`` are added: the classifier file, its
checksum and the model id stay as they were.
"""

import argparse
import sys

from kcna_themes.batch import BatchLog
from kcna_themes.labels import read_labelled, theme_matrix
from kcna_themes.metadata import read_metadata
from kcna_themes.model import load_model, training_hash
from kcna_themes.neighbours import load_index, write_index
from kcna_themes.tagging import load_tagger


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    args = ap.parse_args()
    model, embedder = load_tagger(args.model)
    folder, metadata = model.path, model.metadata
    articles = read_labelled(args.labels, BatchLog(strict=True, echo=lambda m: print(m, file=sys.stderr)))
    themes = list(metadata.themes)
    Y = theme_matrix(articles, themes)
    ids = [a.capture.id for a in articles]
    texts = [a.capture.embed_text for a in articles]
    if training_hash(ids, texts, Y, themes) != metadata.training.get("sha256"):
        sys.exit(f"these labelled files are not the set {folder} was trained on (fingerprint differs)")
    embeddings = embedder.embed(texts)
    print(f"embeddings: {getattr(embedder, 'hits', '?')} from cache, {getattr(embedder, 'misses', '?')} computed",
          file=sys.stderr)
    updated = write_index(folder, metadata, ids, [a.capture.title for a in articles],
                          [a.capture.published for a in articles],
                          [[t for j, t in enumerate(themes) if row[j]] for row in Y], embeddings)
    again = read_metadata(folder)
    assert again.model_id == metadata.model_id and again.classifier == metadata.classifier
    load_model(folder, embedder)  # the classifier still loads against its checksum
    index = load_index(folder, again)
    assert index is not None and len(index.ids) == len(articles)
    assert updated.neighbours is not None
    size = (folder / updated.neighbours.file).stat().st_size
    print(f"{folder / updated.neighbours.file}: {len(articles)} articles, {size:,} bytes")


if __name__ == "__main__":
    main()
