"""The neural encoders behind ``SentenceTransformerEmbedder``.

Each has ``dim`` and ``encode(texts, batch_size) -> ndarray`` (L2-normalised
rows). Heavy imports happen inside the constructors, only when needed.

``OnnxEncoder`` is the default: the sentence-transformer exported once to ONNX,
its weights quantized to int8 (dynamic quantization) or kept in fp32, then run by
ONNX Runtime with the model's own fast tokenizer. It needs neither PyTorch nor
transformers at run time, which is why a single capture tags in about a second;
PyTorch is used once, offline, to export. int8 is the faster; fp32 gives the same
vectors on every CPU (int8's depend on the CPU's int8 kernels, ``int8_kernels``).
``TorchEncoder`` is the reference path (plain sentence-transformers).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import platform
import re
import shutil
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .errors import ModelError

ONNX_BUILD_VERSION = 1  # bump when the export or quantization recipe changes
# CPU features that choose ONNX Runtime's int8 matrix kernels, fastest first (MLAS's own order)
_INT8_KERNEL_FLAGS = ("amx_int8", "avx512_vnni", "avx_vnni", "avx512bw", "avx2", "i8mm", "asimddp")


@functools.cache
def int8_kernels(cpuinfo: str | None = None) -> str:
    """Which of ONNX Runtime's int8 matrix kernels this CPU gets, e.g. "x86_64-avx512_vnni".

    The int8 encoder's vectors depend on it, not only on the text: without VNNI the
    kernels sum pairs of products in 16 bits, which saturates, and activations are
    rounded to 8 bits after float steps whose last bit differs between kernels. The
    same build and text gave vectors 0.034 apart (largest coordinate of unit vectors)
    on AVX-512 VNNI and on AVX2 alone, enough to move a theme across its threshold
    (benchmarks/README.md). Read from /proc/cpuinfo where there is one (``cpuinfo``
    stands in for it in tests); elsewhere the machine type alone.
    """
    machine = platform.machine().lower() or "unknown"
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = ""
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() in ("flags", "features"):
            flags = set(value.split())
            break
    return next((f"{machine}-{flag}" for flag in _INT8_KERNEL_FLAGS if flag in flags), machine)


def within_window(max_tokens: int, window: int | None) -> int:
    """``max_tokens``, refused when it is longer than the window the model was trained for (past
    its position embeddings a long text would fail deep inside the encoder, with no hint why).
    A model that names no window is taken at its word."""
    if window and max_tokens > window:
        raise ModelError(f"the encoder reads at most {window} tokens: a window of {max_tokens} is longer "
                         f"(give --max-tokens {window} or less, or 0 for the model's own)")
    return max_tokens


class TorchEncoder:
    """sentence-transformers on PyTorch: the reference path."""

    def __init__(self, path: str, max_tokens: int | None = None):
        try:
            from sentence_transformers import SentenceTransformer

            self.model = SentenceTransformer(str(path), device="cpu")
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load sentence-transformer {path!r} offline: {exc}") from exc
        if max_tokens:
            self.model.max_seq_length = within_window(max_tokens, self.model.max_seq_length)
        self.dim = self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") \
            else self.model.get_sentence_embedding_dimension()
        self.fingerprint = None
        self.kernels = None
        self.provenance = None  # fp32 on PyTorch: the same vectors on every CPU, to rounding

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        return self.model.encode(list(texts), batch_size=batch_size, show_progress_bar=False,
                                 convert_to_numpy=True, normalize_embeddings=True)


def _pooling_mode(model_dir: Path) -> str:
    """'mean' or 'cls', from the sentence-transformers pooling config (mean if absent)."""
    config = model_dir / "1_Pooling" / "config.json"
    if not config.exists():
        return "mean"
    cfg = json.loads(config.read_text())
    if cfg.get("pooling_mode_mean_tokens"):
        return "mean"
    if cfg.get("pooling_mode_cls_token"):
        return "cls"
    raise ModelError(f"{model_dir}: pooling {cfg} is not supported by the onnx-int8 backend; use --backend torch")


def _max_seq_length(model_dir: Path) -> int:
    config = model_dir / "sentence_bert_config.json"
    if config.exists():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def export_fp32(model_dir: Path, target: Path) -> str:
    """PyTorch traces the Hugging Face model to ONNX (fp32, dynamic batch and length)."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    class LastHiddenState(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    hf_logging.disable_progress_bar()
    hf = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    dummy = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long),
             torch.zeros(2, 16, dtype=torch.long))
    axes = {0: "batch", 1: "tokens"}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with torch.no_grad():
        torch.onnx.export(LastHiddenState(hf), dummy, str(target), input_names=names,
                          output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                          dynamic_axes={n: axes for n in names + ["last_hidden_state"]})
    return torch.__version__


def quantize_int8(source: Path, target: Path, **extra_options) -> None:
    """ONNX Runtime's dynamic quantization of the weights to int8, as the encoder is built."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, reduce_range=False,
                     extra_options={"WeightSymmetric": True, "ActivationSymmetric": False, **extra_options})


PRECISIONS = ("int8", "fp32")


def _export_and_quantize(model_dir: Path, work: Path, precision: str) -> str:
    """PyTorch traces the Hugging Face model to ONNX; for int8, ONNX Runtime quantizes its weights."""
    torch_version = export_fp32(model_dir, work / "model_fp32.onnx")
    if precision == "int8":
        quantize_int8(work / "model_fp32.onnx", work / "model_int8.onnx")
        (work / "model_fp32.onnx").unlink()
    return torch_version


def build_onnx(model_dir: Path, target: Path, precision: str = "int8") -> None:
    """Export a sentence-transformer's transformer to ONNX (fp32, or its weights quantized to int8).

    Offline and once. The export runs in a child Python process, so that the
    exporters' logging and warnings (meant for their own developers) are kept off
    the user's screen without touching this process's logging or warning filters.
    The result goes to a temporary folder and is renamed into place, so a
    half-built encoder is never used.
    """
    import subprocess
    import sys

    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        child = subprocess.run([sys.executable, "-m", "kcna_themes.encoders", str(model_dir), str(work), precision],
                               capture_output=True, text=True)
        if child.returncode != 0:
            last = (child.stderr.strip().splitlines() or ["no message"])[-1]
            raise RuntimeError(f"the export failed: {last}")
        torch_version = child.stdout.strip().splitlines()[-1]
        for name in ("tokenizer.json", "sentence_bert_config.json"):
            if (model_dir / name).exists():
                shutil.copy(model_dir / name, work / name)
        import hashlib

        import onnxruntime

        digest = hashlib.sha256((work / f"model_{precision}.onnx").read_bytes()).hexdigest()
        (work / "build.json").write_text(json.dumps({
            "source": str(model_dir), "build_version": ONNX_BUILD_VERSION, "pooling": _pooling_mode(model_dir),
            "max_seq_length": _max_seq_length(model_dir), "sha256": digest, "torch": torch_version,
            "onnxruntime": onnxruntime.__version__}, indent=1))
        if target.exists():  # another process finished first
            shutil.rmtree(work)
        else:
            os.replace(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _export_in_this_process(model_dir: str, work: str, precision: str) -> None:
    """The child process of ``build_onnx``: quiet exporters, then print torch's version."""
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    print(_export_and_quantize(Path(model_dir), Path(work), precision))


@contextlib.contextmanager
def _build_lock(folder: Path):
    """One builder at a time (several worker processes may start together)."""
    import fcntl

    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def onnx_folder(encoders_dir: Path, name: str, precision: str = "int8") -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")
    return Path(encoders_dir) / f"{slug}-onnx-{precision}-v{ONNX_BUILD_VERSION}"


def _kernels(precision: str) -> str | None:
    """The int8 kernels an encoder of this precision's vectors depend on (None for fp32)."""
    return int8_kernels() if precision == "int8" else None


def _provenance(build: dict, kernels: str | None) -> str:
    return (build.get("sha256") or "unrecorded")[:16] + (f"@{kernels}" if kernels else "")


def built_provenance(folder: Path, precision: str) -> str | None:
    """An ONNX build's ``provenance`` (``OnnxEncoder.provenance``) from its build.json alone, or
    None before it is built: a run served wholly from the cache need not load the encoder."""
    try:
        return _provenance(json.loads((folder / "build.json").read_text()), _kernels(precision))
    except (OSError, ValueError):
        return None


class OnnxEncoder:
    """An ONNX export of a sentence-transformer (int8 or fp32 weights), built on first use and cached.

    Each text is encoded on its own, by a small pool of threads (ONNX Runtime lets
    go of the GIL). Dynamic quantization scales activations per call, so a batch
    would make one text's vector depend on the texts beside it; alone, the vector
    is a function of the text only, which keeps the cache, ``--resume`` and
    sharded runs exact. On 2 cores it is also the fastest arrangement measured
    (benchmarks/README.md).
    """

    def __init__(self, path: str, name: str, encoders_dir: Path, max_tokens: int | None = None,
                 threads: int | None = None, precision: str = "int8"):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if precision not in PRECISIONS:
            raise ModelError(f"unknown ONNX precision {precision!r} (choose {' or '.join(PRECISIONS)})")
        folder = onnx_folder(encoders_dir, name, precision)
        model_file = folder / f"model_{precision}.onnx"
        if not model_file.exists():
            try:
                with _build_lock(Path(encoders_dir)):
                    if not model_file.exists():
                        build_onnx(Path(path), folder, precision)
            except (OSError, ValueError, RuntimeError) as exc:
                raise ModelError(f"cannot build the ONNX encoder from {path} in {encoders_dir}: {exc}") from exc
        try:
            build = json.loads((folder / "build.json").read_text())
            self.pooling = build["pooling"]
            self.fingerprint = build.get("sha256")
            window = int(build["max_seq_length"])
            self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
            options = ort.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged build: json, tokenizers and onnxruntime each raise their own kind
            raise ModelError(f"the ONNX encoder built in {folder} is damaged ({type(exc).__name__}: {exc}); "
                             "delete that folder and the next run builds it again") from exc
        self.kernels = _kernels(precision)
        self.provenance = _provenance(build, self.kernels)
        # tokenizer.json may carry its own fixed truncation and padding: use the window asked for, no padding
        self.tokenizer.enable_truncation(max_length=within_window(max_tokens or window, window))
        self.tokenizer.no_padding()
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.threads = threads or min(os.cpu_count() or 1, 8)
        self._pool: ThreadPoolExecutor | None = None

    def _one(self, text: str) -> np.ndarray:
        encoded = self.tokenizer.encode(text)
        ids = np.asarray([encoded.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feed)[0][0]
        pooled = hidden[0] if self.pooling == "cls" else hidden.mean(axis=0)
        return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        """Embed each text alone, ``threads`` at a time; ``batch_size`` is not used here."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.threads == 1 or len(texts) == 1:
            return np.vstack([self._one(t) for t in texts]).astype(np.float32)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="kcna-encoder")
        pool = self._pool
        try:
            return np.vstack(list(pool.map(self._one, texts))).astype(np.float32)
        except KeyboardInterrupt:  # stop now: drop the texts still queued
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise


if __name__ == "__main__":  # the export child of build_onnx
    import sys

    _export_in_this_process(sys.argv[1], sys.argv[2], sys.argv[3])
