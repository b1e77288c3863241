"""Does fine-tuning the bundled MiniLM on the labels help on held-out eras?

For each split of ``eras.py`` (train eras -> another era's random sample), the bundled
all-MiniLM-L6-v2 is fine-tuned on the training eras' labelled articles only, with one of
two objectives (``--objective``):

- ``head``: a multi-label classification head (mean pooling, a linear layer per theme,
  binary cross-entropy; the head is then thrown away);
- ``contrastive``: SetFit's, for several labels: for each article and each of its themes,
  one article sharing that theme (cosine pulled to 1) and one without it (pushed to 0),
  cosine-similarity loss on the mean-pooled vectors;
- ``none``: no labels, for ``--adapt`` alone.

``--adapt N`` first adapts the encoder to KCNA's language without labels: TSDAE (Wang,
Reimers and Gurevych 2021; sentence-transformers' ``DenoisingAutoEncoderLoss``) on N
unlabelled corpus articles of the training eras only (never the test era's), one pass: the
encoder reads each article's first ``--max-tokens`` tokens with 60% of its words deleted,
and a decoder tied to it must rebuild them from the one sentence vector.

Its embeddings (PyTorch, the first ``--max-tokens`` tokens) then feed the same classifier
as the shipped recipe (calibrated logistic regression per theme beside the TF-IDF/SVD
features), and it is scored on the held-out random sample exactly as ``eras.py`` scores
the other recipes.

    HF_HUB_OFFLINE=1 python benchmarks/finetune.py labels/*.jsonl --json benchmarks/finetune.json

Each split also scores the same classifier on the *stock* encoder's vectors (the same
PyTorch path, not fine-tuned), so the comparison is within one run, and prints the two
encoders' difference paired over the test articles (``eras_paired.py``'s bootstrap).
``--seeds N`` repeats each classifier fit with N random states, as ``eras.py`` does (the
encoder is tuned once: tuning is what takes the time). The first lines of
``finetune.txt`` were measured with the rules of their time (``--threshold-rule best-f1
--no-digest-rule``, on the labels before rounds 4-5); the default is the shipped recipe's.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from eras import SPLITS, era_of, held_out_scores, in_era, mean_over_seeds, result_line
from eras_paired import paired_difference
from lexical_corpus import unlabelled

from kcna_themes.batch import BatchLog
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.embedding import bundled_model_path
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.training import is_random_sample

MAX_TOKENS = 128  # the window of the earlier runs; --max-tokens sets it


def mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).float()
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def embed_batch(tok, model, texts):
    enc = tok(texts, truncation=True, max_length=MAX_TOKENS, padding=True, return_tensors="pt")
    return torch.nn.functional.normalize(mean_pool(model(**enc).last_hidden_state, enc["attention_mask"]), dim=1)


def setfit_pairs(Y: np.ndarray, rng) -> list[tuple[int, int, float]]:
    """SetFit's pairs for several labels: for each article and each theme it carries, one
    other article with that theme (target 1) and one without it (target 0)."""
    members = [np.flatnonzero(Y[:, j]) for j in range(Y.shape[1])]  # each theme's articles, found once
    others = [np.flatnonzero(Y[:, j] == 0) for j in range(Y.shape[1])]
    pairs = []
    for i in range(len(Y)):
        for j in np.flatnonzero(Y[i]):
            with_theme = members[j][members[j] != i]
            without = others[j]
            if len(with_theme) and len(without):
                pairs.append((i, int(rng.choice(with_theme)), 1.0))
                pairs.append((i, int(rng.choice(without)), 0.0))
    return pairs


def bundled():
    """The bundled MiniLM's tokenizer and model, through PyTorch: where tuning starts
    unless ``adapt_tsdae`` has run first."""
    from transformers import AutoModel, AutoTokenizer

    path = bundled_model_path()
    return AutoTokenizer.from_pretrained(path), AutoModel.from_pretrained(path)


def train(model, params, lr: float, batches: list, loss_of) -> None:
    """AdamW with a warm-up over the first tenth of the steps, then linear decay: one
    step per batch, the loss ``loss_of(batch)``."""
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = len(batches)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: min(1.0, (step + 1) / (0.1 * steps)) * max(0.0, 1 - step / steps))
    model.train()
    for batch in batches:
        loss = loss_of(batch)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()


def delete_words(text: str, rng, ratio: float = 0.6) -> str:
    """TSDAE's noise: each word deleted with probability ``ratio``, at least one kept."""
    words = text.split()
    if not words:
        return text
    keep = rng.random(len(words)) >= ratio
    if not keep.any():
        keep[rng.integers(len(words))] = True
    return " ".join(word for word, kept in zip(words, keep) if kept)


def adapt_tsdae(texts: list[str], lr: float = 3e-5, batch: int = 8, seed: int = 0):
    """TSDAE on unlabelled texts, one pass (the paper's settings: 60% deletion, batches of
    8, lr 3e-5, decoder tied to the encoder). Each text is first cut to the encoder's
    window, so that the decoder rebuilds what the encoder read."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import DenoisingAutoEncoderLoss

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    encoder = SentenceTransformer(str(bundled_model_path()), device="cpu")
    encoder.max_seq_length = MAX_TOKENS
    tok = encoder.tokenizer
    loss = DenoisingAutoEncoderLoss(encoder, tie_encoder_decoder=True)
    order = rng.permutation(len(texts))
    batches = [[texts[k] for k in order[start:start + batch]] for start in range(0, len(order), batch)]

    def loss_of(chunk):
        read = tok.batch_decode(tok(chunk, truncation=True, max_length=MAX_TOKENS)["input_ids"],
                                skip_special_tokens=True)
        return loss([encoder.preprocess([delete_words(text, rng) for text in read]), encoder.preprocess(read)],
                    None)

    train(loss, loss.parameters(), lr, batches, loss_of)
    return tok, encoder[0].auto_model


def fine_tune_contrastive(start, texts, Y, epochs: int, lr: float, batch: int, seed: int = 0):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    tok, model = start
    pairs = [setfit_pairs(Y, rng) for _ in range(epochs)]  # new partners each epoch, as SetFit's iterations
    batches = []
    for epoch_pairs in pairs:
        order = rng.permutation(len(epoch_pairs))
        batches += [[epoch_pairs[k] for k in order[start:start + batch]] for start in range(0, len(order), batch)]

    def loss_of(chunk):
        a = embed_batch(tok, model, [texts[i] for i, _, _ in chunk])
        b = embed_batch(tok, model, [texts[j] for _, j, _ in chunk])
        target = torch.tensor([t for _, _, t in chunk], dtype=torch.float32)
        return torch.nn.functional.mse_loss((a * b).sum(1), target)

    train(model, model.parameters(), lr, batches, loss_of)
    return tok, model


def fine_tune(start, texts, Y, epochs: int, lr: float, batch: int, seed: int = 0):
    torch.manual_seed(seed)
    tok, model = start
    head = torch.nn.Linear(model.config.hidden_size, Y.shape[1])
    pos = Y.mean(0).clip(0.01, 0.99)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos) / pos, dtype=torch.float32).sqrt())
    target = torch.tensor(Y, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(len(texts))
        batches += [order[start:start + batch] for start in range(0, len(order), batch)]

    def loss_of(idx):
        emb = embed_batch(tok, model, [texts[i] for i in idx])
        return loss_fn(head(emb) * 10, target[idx])  # embeddings are unit length: scale the logits

    train(model, list(model.parameters()) + list(head.parameters()), lr, batches, loss_of)
    return tok, model


@torch.no_grad()
def encode(tok, model, texts, batch: int = 32) -> np.ndarray:
    out = []
    for start in range(0, len(texts), batch):
        out.append(embed_batch(tok, model, texts[start:start + batch]).numpy())
    return np.vstack(out).astype(np.float32)


class TunedEmbedder:
    """The fine-tuned encoder as an ``Embedder``, so the stock classifier can read its vectors."""

    id = "fine-tuned-minilm"

    def __init__(self, tok, model):
        self.tok, self.model = tok, model

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def embed(self, texts):
        return encode(self.tok, self.model, list(texts))


class Encoded:
    """An encoder's vectors of a fixed set of texts, computed once, as an ``Embedder``: the
    classifier's fits over several random states then re-read them instead of encoding again."""

    def __init__(self, encoder, texts):
        self.id, self.dim = encoder.id, encoder.dim
        self.vectors = dict(zip(texts, encoder.embed(list(texts))))

    def embed(self, texts):
        return np.stack([self.vectors[t] for t in texts])


def load_stock() -> TunedEmbedder:
    """The bundled MiniLM as it ships, through the same PyTorch path as the tuned one."""
    tok, model = bundled()
    model.eval()
    return TunedEmbedder(tok, model)


def main() -> None:
    global MAX_TOKENS
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--objective", default="head", choices=["head", "contrastive", "none"],
                    help="a classification head, SetFit's contrastive pairs, or no labels (--adapt alone)")
    ap.add_argument("--adapt", type=int, default=0, metavar="N",
                    help="first adapt the encoder by TSDAE on N unlabelled articles of the training eras")
    ap.add_argument("--max-tokens", type=int, default=MAX_TOKENS, help="the encoder's window, tuning and encoding")
    ap.add_argument("--splits", nargs="+", default=[s[0] for s in SPLITS])
    ap.add_argument("--threshold-rule", default="half-f1", choices=["half-f1", "best-f1"])
    ap.add_argument("--no-digest-rule", dest="digest_rule", action="store_false")
    ap.add_argument("--world-news-rule", action="store_true", help="ruling 6 (off in the published runs)")
    ap.add_argument("--seeds", type=int, default=1,
                    help="random states each classifier fit is repeated with (the encoder is tuned once)")
    ap.add_argument("--json")
    args = ap.parse_args()
    rules = {"threshold_rule": args.threshold_rule, "digest_rule": args.digest_rule,
             "world_news_rule": args.world_news_rule, "headline_terms": 0, "lead_terms": 0,
             "read_dateline": True}  # as published
    torch.set_num_threads(2)
    MAX_TOKENS = args.max_tokens
    tune = {"head": fine_tune, "contrastive": fine_tune_contrastive, "none": None}[args.objective]
    if args.adapt < 0 or args.max_tokens < 1 or args.seeds < 1:
        ap.error("--adapt takes 0 or more articles, --max-tokens 1 or more tokens and --seeds 1 or more")
    if tune is None and not args.adapt:
        ap.error("--objective none tunes nothing without --adapt")

    articles = read_labelled(args.labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = np.array([a.capture.embed_text for a in articles], dtype=object)
    years = np.array([era_of(a) for a in articles])
    random_rows = np.array([is_random_sample(a) for a in articles])
    window = "" if args.max_tokens == 128 else f", {args.max_tokens} tokens"  # the earlier lines' names
    pair_note = ", SetFit pairs" if args.objective == "contrastive" else ""
    tuned_name = f"fine-tuned MiniLM ({args.epochs} epochs, lr {args.lr}{pair_note})" if tune else "MiniLM"
    if args.adapt:
        tuned_name = f"TSDAE on {args.adapt} unlabelled articles{', ' if tune else ' '}{tuned_name}"
    ids = frozenset(a.capture.id for a in articles)
    results = []
    stock = None
    for split, train_eras, test_era in SPLITS:
        if split not in args.splits:
            continue
        train = np.isin(years, train_eras)
        test = in_era(years, test_era) & random_rows
        t0 = time.perf_counter()
        if stock is None:
            stock = load_stock()
        start = adapt_tsdae(unlabelled(tuple(train_eras), ids, args.adapt)) if args.adapt else bundled()
        tok, model = tune(start, list(texts[train]), Y[train], args.epochs, args.lr, args.batch) if tune else start
        tuned = time.perf_counter() - t0
        decided = []
        for name, encoder in ((f"stock MiniLM, PyTorch, {args.threshold_rule}{window}", stock),
                              (f"{tuned_name}, {args.threshold_rule}{window}",
                               TunedEmbedder(tok, model))):
            vectors = Encoded(encoder, texts[train | test])
            fits, decided_here = [], []
            for seed in range(args.seeds):  # the folds and the lexical SVD, as in eras.py; the encoder stays
                clf = ThemeClassifier(embedder=vectors, themes=themes, random_state=seed, **rules).fit(
                    list(texts[train]), Y[train])
                probs = clf.predict_proba(list(texts[test]))
                decided_here.append(probs >= clf.thresholds_)
                fits.append({"recipe": name, "train": split, "test": f"random {test_era}",
                             "n_train": int(train.sum()), "n_test": int(test.sum()),
                             **held_out_scores(Y[test], probs, clf.thresholds_, themes)})
            decided.append(decided_here)
            row = {**mean_over_seeds(fits, themes), **rules,
                   "fine_tune_seconds": round(tuned) if encoder is not stock else 0}
            results.append(row)
            print(result_line(row, themes) + (f" [{tuned:.0f} s tuning]" if encoder is not stock else ""),
                  flush=True)
        point, low, high, below = paired_difference(Y[test], decided[1], decided[0], np.random.default_rng(0))
        print(f"  tuned - stock, paired over the test articles: macro-F1 {point:+.3f} "
              f"[{low:+.3f}, {high:+.3f}], P(tuned < stock) {below:.2f}", flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
