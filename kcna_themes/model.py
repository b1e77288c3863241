"""The model folder: a classifier file and ``metadata.json``, saved and loaded safely.

The classifier is stored as named numpy arrays (``classifier.npz``, read with
``allow_pickle=False``): weights, thresholds, vocabulary, and its hyperparameters
as JSON. Loading builds nothing but arrays, so a model folder someone else made
cannot run code, and it needs neither skops nor a walk of scikit-learn's
estimators (3 s of every run's start-up when the file was skops). (A checksum
beside a pickle proves nothing: whoever made the pickle made the checksum.)

Older folders still load: model format 2 stored the classifier with skops, loaded
with an explicit list of trusted types; folders from kcna-themes 0.x hold a joblib
pickle, which loads only when the caller says it trusts it (``trust_pickle``,
``--trust-pickle``).

Loading reads and checks the metadata (format, field types, embedder, checksum)
before it opens the classifier file, and gives the classifier the embedder it was
trained on.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import __version__
from .atomic import atomic_write
from .classifier import LexicalFeatures, ThemeClassifier  # noqa: F401  (0.x pickles name both here)
from .embedding import Embedder
from .errors import ModelError
from .metadata import (
    FORMAT_VERSION,
    METADATA_FILE,
    ClassifierFile,
    EmbedderSpec,
    ModelMetadata,
    read_checked,
    read_metadata,
    write_metadata,
)

CLASSIFIER_FILE = "classifier.npz"

# Everything a ThemeClassifier of model format 2 (skops) is made of, beyond what
# skops trusts by default. Loading refuses a file holding any other type, before
# building anything from it.
TRUSTED_TYPES = [
    "kcna_themes.classifier.ThemeClassifier",
    "kcna_themes.classifier.LexicalFeatures",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.preprocessing._label.MultiLabelBinarizer",
    "builtins.frozenset",
    "numpy.float32",
]


@dataclass
class ThemeModel:
    """A loaded model folder: the classifier (with its embedder) and its metadata."""

    classifier: ThemeClassifier
    metadata: ModelMetadata
    path: Path | None = None

    @property
    def themes(self) -> list[str]:
        return list(self.metadata.themes)

    @property
    def model_id(self) -> str:
        return self.metadata.model_id

    @property
    def embedder(self) -> Embedder | None:
        return self.classifier.embedder

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors as the classifier reads them (``ThemeClassifier.reads``): what
        ``score`` takes as ``embeddings``, and what tag's duplicate index and explain's
        nearest labelled articles compare."""
        return self.classifier.embed(list(texts))

    def score(self, texts: Sequence[str], embeddings: np.ndarray | None = None, rulings: bool = True) -> np.ndarray:
        """(n, k) probabilities of texts (``classifier_text``); ``embeddings``, when the
        caller has them, are ``embed(texts)``;
        ``rulings=False`` for parts of an article (``ThemeClassifier.predict_proba``)."""
        if not texts:
            return np.zeros((0, len(self.themes)))
        return self.classifier.predict_proba(list(texts), embeddings=embeddings, rulings=rulings)

    def themes_over_threshold(self, probs: np.ndarray) -> list[str]:
        """The themes whose probability reaches the classifier's own threshold, strongest first.

        The thresholds are ``classifier.thresholds_``, stored once with it; the rounded
        copy in ``metadata.json`` is for reading, and editing it changes nothing.
        """
        cut = self.classifier.thresholds_
        return [self.themes[j] for j in np.argsort(-probs, kind="stable") if probs[j] >= cut[j]]


def training_hash(ids: Sequence[str], texts: Sequence[str], Y: np.ndarray, themes: Sequence[str]) -> str:
    """A fingerprint of the exact training set: ids, texts and labels."""
    h = hashlib.sha256(json.dumps(list(themes)).encode())
    for rid, text, row in sorted(zip(ids, texts, np.asarray(Y).tolist())):
        h.update(f"{rid}\x1f{text}\x1f{row}\x1e".encode())
    return h.hexdigest()


def save_model(folder, classifier: ThemeClassifier, embedder: EmbedderSpec, training: dict,
               evaluation: dict | None) -> ThemeModel:
    """Write the model folder: classifier first (without its embedder), then metadata, each atomically."""
    import sklearn

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    blob = _npz_bytes(classifier.fitted_arrays())
    with atomic_write(folder / CLASSIFIER_FILE, "wb") as fh:
        fh.write(blob)
    for old in ("classifier.joblib", "classifier.skops"):  # a retrained older folder keeps no stale file
        (folder / old).unlink(missing_ok=True)
    digest = hashlib.sha256(blob).hexdigest()
    themes = classifier.themes_
    metadata = ModelMetadata(
        format_version=FORMAT_VERSION, model_id=digest[:16], embedder=embedder, themes=themes,
        thresholds={t: round(float(v), 4) for t, v in zip(themes, classifier.thresholds_)},
        classifier=ClassifierFile(CLASSIFIER_FILE, digest, "npz", {
            **{k: v for k, v in classifier.recipe().items() if k != "themes"},  # the themes have their own field
            "calibration": f"Platt (sigmoid), {classifier.calibration_folds}-fold"}),
        package_version=__version__, sklearn_version=sklearn.__version__,
        python_version=platform.python_version(),
        created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        training=training, evaluation=evaluation or {})
    write_metadata(folder, metadata)
    return ThemeModel(classifier, metadata, folder)


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """The arrays as an ``.npz`` file (what ``np.load`` reads), byte for byte the same
    for the same arrays: no timestamps, so a model's id is a function of the model."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, value in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asanyarray(value), allow_pickle=False)
    return buffer.getvalue()


def _load_classifier(path: Path, blob: bytes, fmt: str, trust_pickle: bool) -> ThemeClassifier:
    import io

    if fmt == "npz":
        if not blob.startswith(b"PK"):  # np.load would take any other bytes for a pickle it refuses to read
            raise ModelError(f"{path} is not a file of arrays (.npz): retrain, or restore the model folder")
        with np.load(io.BytesIO(blob), allow_pickle=False) as arrays:
            return ThemeClassifier.from_fitted_arrays(arrays)
    if fmt == "joblib":
        if not trust_pickle:
            raise ModelError(f"{path} is a pickle (a model folder of kcna-themes 0.x), which can run any code "
                             f"when loaded: if you trust where it came from, pass --trust-pickle, or retrain")
        import joblib

        return joblib.load(io.BytesIO(blob))
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        return skops.io.loads(blob, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as exc:  # raised before any object is built
        raise ModelError(f"{path} holds types this package does not trust, so it was not loaded: {exc}") from None


def load_model(folder, embedder: Embedder | None = None, *, trust_pickle: bool = False) -> ThemeModel:
    """Load a model folder and give its classifier ``embedder``, refusing any mismatch first.

    Without ``embedder`` the classifier cannot score texts until one is set (the
    report reads metadata only; tagging passes the embedder the metadata names).
    """
    folder = Path(folder)
    metadata = read_metadata(folder)
    if embedder is not None and metadata.embedder.id != embedder.id:
        raise ModelError(f"{folder} was trained on embedder {metadata.embedder.id!r}, "
                         f"not {embedder.id!r}: tag with the embedder it was trained on, or retrain")
    clf_path = folder / metadata.classifier.file
    blob = read_checked(clf_path, metadata.classifier.sha256)
    try:
        classifier = _load_classifier(clf_path, blob, metadata.classifier.format, trust_pickle)
    except ModelError:
        raise
    except Exception as exc:  # a damaged file can fail in many ways; all mean the same here
        raise ModelError(f"{clf_path} cannot be loaded: {exc}") from exc
    if not isinstance(classifier, ThemeClassifier):
        raise ModelError(f"{clf_path} holds a {type(classifier).__name__}, not a theme classifier")
    if classifier.themes_ != metadata.themes:
        raise ModelError(f"{folder}: classifier themes do not match {METADATA_FILE}")
    classifier.set_params(embedder=embedder)
    return ThemeModel(classifier, metadata, folder)
