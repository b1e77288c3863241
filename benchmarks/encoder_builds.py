"""Would another build of the encoder be faster on this CPU?

    python benchmarks/encoder_builds.py [--n 400] | tee benchmarks/encoder_builds.txt

Builds, in a temporary folder, the fp32 ONNX export the shipped int8 encoder is
quantized from, ONNX Runtime's transformer-optimised graph of it (fused attention,
layer norm and GELU) and that graph quantized to int8 the same way; then embeds the
first N 2015-2017 corpus articles with each, as ``tag`` does (128 tokens, one text per
call, two worker threads), and prints texts/s and the mean cosine of each vector to
the shipped encoder's. A faster build would change the vectors, so the model would
have to be retrained on it.
"""

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from tokenizers import Tokenizer

from kcna_themes.embedding import BUNDLED_MODEL, bundled_model_path, default_cache_dir
from kcna_themes.encoders import OnnxEncoder, export_fp32, onnx_folder, quantize_int8

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "kcna-2015-2017.jsonl"


def speed(path: Path, tokenizer: Tokenizer, texts: list[str]) -> tuple[float, np.ndarray]:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def one(text: str) -> np.ndarray:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        hidden = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids),
                                    "token_type_ids": np.zeros_like(ids)})[0][0].mean(axis=0)
        return hidden / np.linalg.norm(hidden)

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, texts[:20]))  # warm up
        start = time.perf_counter()
        vectors = np.vstack(list(pool.map(one, texts)))
        return len(texts) / (time.perf_counter() - start), vectors


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=400)
    args = ap.parse_args()
    from onnxruntime.transformers import optimizer

    OnnxEncoder(str(bundled_model_path()), BUNDLED_MODEL, default_cache_dir() / "encoders")  # built once
    shipped = onnx_folder(default_cache_dir() / "encoders", BUNDLED_MODEL)
    tokenizer = Tokenizer.from_file(str(shipped / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=128)
    tokenizer.no_padding()
    with open(CORPUS, encoding="utf-8") as fh:
        texts = [f"{r['title']}\n{r['text']}" for r in map(json.loads, fh)][:args.n]
    work = Path(tempfile.mkdtemp(prefix="kcna-encoder-builds-"))
    export_fp32(bundled_model_path(), work / "fp32.onnx")
    fused = optimizer.optimize_model(str(work / "fp32.onnx"), model_type="bert", num_heads=12, hidden_size=384,
                                     opt_level=1)
    fused.save_model_to_file(str(work / "fp32-fused.onnx"))
    quantize_int8(work / "fp32-fused.onnx", work / "int8-fused.onnx", DefaultTensorType=onnx.TensorProto.FLOAT)
    print(f"{args.n} articles of {CORPUS.name}, 128 tokens, one text per call, 2 worker threads\n")
    print("| build | texts/s | mean cosine to the shipped vectors |\n|---|---:|---:|")
    reference = None
    builds = [("int8 (shipped)", shipped / "model_int8.onnx"), ("fp32", work / "fp32.onnx"),
              ("fp32, fused graph", work / "fp32-fused.onnx"), ("int8, fused graph", work / "int8-fused.onnx")]
    for name, path in builds:
        rate, vectors = speed(path, tokenizer, texts)
        reference = vectors if reference is None else reference
        print(f"| {name} | {rate:.1f} | {float(np.mean(np.sum(vectors * reference, axis=1))):.4f} |", flush=True)


if __name__ == "__main__":
    main()
