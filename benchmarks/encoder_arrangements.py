"""How to run the int8 ONNX encoder fastest on this machine, and whether batching is exact.

    python benchmarks/encoder_arrangements.py [--n 800]

Embeds the first N corpus articles (title + text) in several arrangements and
prints articles/s, plus the largest difference between an article's vector
computed in a batch and computed alone.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

from kcna_themes.embedding import BUNDLED_MODEL, bundled_model_path, default_cache_dir
from kcna_themes.encoders import OnnxEncoder, onnx_folder

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "kcna-2011.jsonl"


def session(folder: Path, threads: int):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    return ort.InferenceSession(str(folder / "model_int8.onnx"), options, providers=["CPUExecutionProvider"])


def embed(sess, tok, texts):
    enc = tok.encode_batch(texts)
    ids = np.asarray([e.ids for e in enc], dtype=np.int64)
    mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
    hidden = sess.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})[0]
    pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def batched(sess, tok, texts, size):
    order = np.argsort([-len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), 384), dtype=np.float32)
    for s in range(0, len(texts), size):
        idx = order[s:s + size]
        out[idx] = embed(sess, tok, [texts[i] for i in idx])
    return out


def rate(fn, n):
    t = time.perf_counter()
    result = fn()
    return n / (time.perf_counter() - t), result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=800)
    args = ap.parse_args()
    rows = [json.loads(ln) for ln in open(CORPUS, encoding="utf-8")][:args.n]
    texts = [r["title"] + "\n" + r["text"] for r in rows]
    cache = default_cache_dir() / "encoders"
    OnnxEncoder(bundled_model_path(), BUNDLED_MODEL, cache)  # builds it if needed
    folder = onnx_folder(cache, BUNDLED_MODEL)

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(bundled_model_path(), device="cpu")
    print("| encoder arrangement | articles/s |\n|---|---:|")
    r, _ = rate(lambda: st.encode(texts, batch_size=32), len(texts))
    print(f"| PyTorch sentence-transformers, 256 tokens, batches of 32 | {r:.0f} |")
    for window, size in ((256, 32), (128, 32)):
        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.enable_truncation(max_length=window)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        r, in_batch = rate(lambda: batched(session(folder, 2), tok, texts, size), len(texts))
        print(f"| ONNX int8, {window} tokens, batches of {size} sorted by length, 2 intra-op threads | {r:.0f} |")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=128)
    tok.no_padding()
    sess = session(folder, 2)
    r, alone = rate(lambda: np.vstack([embed(sess, tok, [t]) for t in texts]), len(texts))
    print(f"| ONNX int8, 128 tokens, one text per call, 2 intra-op threads | {r:.0f} |")
    encoder = OnnxEncoder(bundled_model_path(), BUNDLED_MODEL, cache, max_tokens=128)
    r, pooled = rate(lambda: encoder.encode(texts), len(texts))
    print(f"| ONNX int8, 128 tokens, one text per call, 2 worker threads (the default) | {r:.0f} |")
    print(f"\nlargest difference, batch of 32 vs alone: {np.abs(in_batch - alone).max():.4f}; "
          f"worker threads vs alone: {np.abs(pooled - alone).max():.6f}")


if __name__ == "__main__":
    main()
