"""Retrain the shipped default model from labels/ into models/default.

    python train.py            # every labelled file in labels/
    python train.py --quiet    # any other option of `kcna-themes train` passes through

A thin wrapper: the same as `kcna-themes train labels/*.jsonl --model models/default`.
"""

import sys
from pathlib import Path

from kcna_themes.cli import cli

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    labels = sorted(str(p) for p in (HERE / "labels").glob("*.jsonl"))
    cli(["train", *labels, "--model", str(HERE / "models" / "default"), *sys.argv[1:]], prog_name="train.py")
