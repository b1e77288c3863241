"""Does fine-tuning the bundled MiniLM on the labels help on held-out eras?

For each split of ``eras.py`` (train eras -> another era's random sample), the bundled
all-MiniLM-L6-v2 is fine-tuned on the training eras' labelled articles only, with a
multi-label classification head (mean pooling, a linear layer per theme, binary
cross-entropy; the head is then thrown away). Its embeddings (PyTorch, first 128
tokens) then feed the same classifier as the shipped recipe (calibrated logistic
regression per theme beside the TF-IDF/SVD features), and it is scored on the held-out
random sample exactly as ``eras.py`` scores the other recipes.

    HF_HUB_OFFLINE=1 python benchmarks/finetune.py labels/*.jsonl --json benchmarks/finetune.json

Each split also scores the same classifier on the *stock* encoder's vectors (the same
PyTorch path, not fine-tuned), so the comparison is within one run. The first lines of
``finetune.txt`` were measured with the rules of their time (``--threshold-rule best-f1
--no-digest-rule``, on the labels before rounds 4-5); the default is the shipped recipe's.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from eras import SPLITS, era_of, held_out_scores, in_era, result_line

from kcna_themes.batch import BatchLog
from kcna_themes.classifier import ThemeClassifier
from kcna_themes.embedding import bundled_model_path
from kcna_themes.labels import read_labelled, theme_matrix, themes_in
from kcna_themes.training import is_random_sample

MAX_TOKENS = 128


def mean_pool(hidden, mask):
    mask = mask.unsqueeze(-1).float()
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


def fine_tune(texts, Y, epochs: int, lr: float, batch: int, seed: int = 0):
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    path = bundled_model_path()
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    head = torch.nn.Linear(model.config.hidden_size, Y.shape[1])
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    pos = Y.mean(0).clip(0.01, 0.99)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - pos) / pos, dtype=torch.float32).sqrt())
    target = torch.tensor(Y, dtype=torch.float32)
    rng = np.random.default_rng(seed)
    steps = epochs * int(np.ceil(len(texts) / batch))
    def warmup_then_decay(step: int) -> float:
        return min(1.0, (step + 1) / (0.1 * steps)) * max(0.0, 1 - step / steps)

    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_then_decay)
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(texts))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            enc = tok([texts[i] for i in idx], truncation=True, max_length=MAX_TOKENS, padding=True,
                      return_tensors="pt")
            out = model(**enc).last_hidden_state
            emb = torch.nn.functional.normalize(mean_pool(out, enc["attention_mask"]), dim=1)
            loss = loss_fn(head(emb) * 10, target[idx])  # embeddings are unit length: scale the logits
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    model.eval()
    return tok, model


@torch.no_grad()
def encode(tok, model, texts, batch: int = 32) -> np.ndarray:
    out = []
    for start in range(0, len(texts), batch):
        enc = tok(texts[start:start + batch], truncation=True, max_length=MAX_TOKENS, padding=True,
                  return_tensors="pt")
        emb = mean_pool(model(**enc).last_hidden_state, enc["attention_mask"])
        out.append(torch.nn.functional.normalize(emb, dim=1).numpy())
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


def load_stock() -> TunedEmbedder:
    """The bundled MiniLM as it ships, through the same PyTorch path as the tuned one."""
    from transformers import AutoModel, AutoTokenizer

    path = bundled_model_path()
    model = AutoModel.from_pretrained(path)
    model.eval()
    return TunedEmbedder(AutoTokenizer.from_pretrained(path), model)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", nargs="+")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--splits", nargs="+", default=[s[0] for s in SPLITS])
    ap.add_argument("--threshold-rule", default="half-f1", choices=["half-f1", "best-f1"])
    ap.add_argument("--no-digest-rule", dest="digest_rule", action="store_false")
    ap.add_argument("--json")
    args = ap.parse_args()
    rules = {"threshold_rule": args.threshold_rule, "digest_rule": args.digest_rule}
    torch.set_num_threads(2)

    articles = read_labelled(args.labels, BatchLog())
    themes = themes_in(articles)
    Y = theme_matrix(articles, themes)
    texts = np.array([a.capture.embed_text for a in articles], dtype=object)
    years = np.array([era_of(a) for a in articles])
    random_rows = np.array([is_random_sample(a) for a in articles])
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
        tok, model = fine_tune(list(texts[train]), Y[train], args.epochs, args.lr, args.batch)
        tuned = time.perf_counter() - t0
        for name, encoder in ((f"stock MiniLM, PyTorch, {args.threshold_rule}", stock),
                              (f"fine-tuned MiniLM ({args.epochs} epochs, lr {args.lr}), {args.threshold_rule}",
                               TunedEmbedder(tok, model))):
            clf = ThemeClassifier(embedder=encoder, themes=themes, **rules).fit(list(texts[train]), Y[train])
            probs = clf.predict_proba(list(texts[test]))
            row = {"recipe": name, "train": split, "test": f"random {test_era}", "n_train": int(train.sum()),
                   "n_test": int(test.sum()), **rules, **held_out_scores(Y[test], probs, clf.thresholds_, themes),
                   "seeds": 1, "macro_f1_sd": 0.0,  # one fit: fine-tuning is too slow to repeat per seed
                   "fine_tune_seconds": round(tuned) if encoder is not stock else 0}
            results.append(row)
            print(result_line(row, themes) + (f" [{tuned:.0f} s tuning]" if encoder is not stock else ""),
                  flush=True)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
