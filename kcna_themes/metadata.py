"""What a model folder says about itself: ``metadata.json``, read into typed fields.

Every reader (tagging, the report, the Python front door) goes through
``read_metadata``, which checks the format version and each field's type before
anything else is opened, so a hand-edited or truncated file is refused as corrupt
with the field named, never met later as a KeyError. It imports nothing heavy:
``report`` reads it without scikit-learn.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ModelError

FORMAT_VERSION = 3  # 3: classifier stored as numpy arrays; 2: with skops; 1: a joblib pickle (--trust-pickle)
METADATA_FILE = "metadata.json"


def _field(data: dict, key: str, kind, where: str, optional: bool = False):
    value = data.get(key)
    if value is None and optional:
        return None
    ok = isinstance(value, kind) and not (kind in (int, float) and isinstance(value, bool))
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        ok, value = True, float(value)
    if not ok:
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        got = "missing" if key not in data else f"a {type(value).__name__}"
        raise ModelError(f"{where} is corrupt: {key!r} should be {names}, is {got}")
    return value


@dataclass(frozen=True)
class EmbedderSpec:
    """The embedder a model was trained on: enough to rebuild it, and to refuse another."""

    id: str
    dim: int
    model: str
    backend: str | None = None
    long_text: str | None = None
    max_tokens: int | None = None
    headline: bool = False
    encoder_sha256: str | None = None
    encoder_kernels: str | None = None  # the CPU's int8 kernels the training vectors came from

    @classmethod
    def from_dict(cls, data: Any, where: str) -> EmbedderSpec:
        if not isinstance(data, dict):
            raise ModelError(f"{where} is corrupt: 'embedder' should be an object")
        return cls(id=_field(data, "id", str, where), dim=_field(data, "dim", int, where),
                   model=_field(data, "model", str, where, optional=True) or _field(data, "id", str, where),
                   backend=_field(data, "backend", str, where, optional=True),
                   long_text=_field(data, "long_text", str, where, optional=True),
                   max_tokens=_field(data, "max_tokens", int, where, optional=True),
                   headline=bool(_field(data, "headline", bool, where, optional=True)),
                   encoder_sha256=_field(data, "encoder_sha256", str, where, optional=True),
                   encoder_kernels=_field(data, "encoder_kernels", str, where, optional=True))


@dataclass(frozen=True)
class ClassifierFile:
    """Where the classifier is stored, in which format, its checksum, and its recipe."""

    file: str
    sha256: str
    format: str  # "npz", "skops" or "joblib"
    params: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any, where: str, version: int) -> ClassifierFile:
        if not isinstance(data, dict):
            raise ModelError(f"{where} is corrupt: 'classifier' should be an object")
        name = _field(data, "file", str, where)
        if Path(name).name != name:
            raise ModelError(f"{where} is corrupt: the classifier file {name!r} is not in the model folder")
        fmt = _field(data, "format", str, where, optional=True) or ("joblib" if version < 2 else "skops")
        if fmt not in ("npz", "skops", "joblib"):
            raise ModelError(f"{where} is corrupt: unknown classifier format {fmt!r}")
        params = {k: v for k, v in data.items() if k not in ("file", "sha256", "format")}
        return cls(name, _field(data, "sha256", str, where), fmt, params)

    def to_dict(self) -> dict:
        return {"file": self.file, "sha256": self.sha256, "format": self.format, **self.params}


@dataclass(frozen=True)
class NeighboursFile:
    """The labelled set's index that ``explain`` finds nearest articles in, and its checksum.

    Optional: a folder written before it existed (or without labels to index) still
    loads, and ``explain`` says that it has no neighbours to show.
    """

    file: str
    sha256: str
    count: int

    @classmethod
    def from_dict(cls, data: Any, where: str) -> NeighboursFile:
        if not isinstance(data, dict):
            raise ModelError(f"{where} is corrupt: 'neighbours' should be an object")
        name = _field(data, "file", str, where)
        if Path(name).name != name:
            raise ModelError(f"{where} is corrupt: the neighbours file {name!r} is not in the model folder")
        return cls(name, _field(data, "sha256", str, where), _field(data, "count", int, where))


@dataclass(frozen=True)
class ModelMetadata:
    """``metadata.json``: identity, embedder, themes, the classifier file, and how it was trained.

    ``thresholds`` is a rounded copy of the classifier's own ``thresholds_``, for
    readers that do not load the classifier (``report``); tagging uses the
    classifier's, so editing this copy changes no tag.
    """

    format_version: int
    model_id: str
    embedder: EmbedderSpec
    themes: list[str]
    thresholds: dict[str, float]
    classifier: ClassifierFile
    package_version: str = __version__
    sklearn_version: str | None = None
    python_version: str | None = None
    created: str | None = None
    training: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    neighbours: NeighboursFile | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str) -> ModelMetadata:
        if not isinstance(data, dict):
            raise ModelError(f"{where} is corrupt: not a JSON object")
        version = data.get("format_version")
        if not isinstance(version, int) or isinstance(version, bool):
            raise ModelError(f"{where} has no format_version: not a kcna-themes model")
        if version > FORMAT_VERSION:
            raise ModelError(f"{Path(where).parent} is in model format {version}, newer than this kcna-themes "
                             f"({__version__}) reads (format {FORMAT_VERSION}): upgrade kcna-themes")
        missing = [k for k in ("model_id", "embedder", "themes", "thresholds", "classifier") if k not in data]
        if missing:
            raise ModelError(f"{where} is corrupt: missing {', '.join(missing)}")
        themes = _field(data, "themes", list, where)
        if not themes or not all(isinstance(t, str) for t in themes):
            raise ModelError(f"{where} is corrupt: 'themes' should be a list of names")
        raw = _field(data, "thresholds", dict, where)
        thresholds = {t: _field(raw, t, float, f"{where} (thresholds)") for t in themes}
        return cls(format_version=version, model_id=_field(data, "model_id", str, where),
                   embedder=EmbedderSpec.from_dict(data["embedder"], where), themes=list(themes),
                   thresholds=thresholds, classifier=ClassifierFile.from_dict(data["classifier"], where, version),
                   package_version=str(data.get("package_version", "")),
                   sklearn_version=_field(data, "sklearn_version", str, where, optional=True),
                   python_version=_field(data, "python_version", str, where, optional=True),
                   created=_field(data, "created", str, where, optional=True),
                   training=_field(data, "training", dict, where, optional=True) or {},
                   evaluation=_field(data, "evaluation", dict, where, optional=True) or {},
                   neighbours=(NeighboursFile.from_dict(data["neighbours"], where)
                               if data.get("neighbours") is not None else None))

    def to_dict(self) -> dict:
        data = asdict(self)
        data["classifier"] = self.classifier.to_dict()
        order = ["format_version", "model_id", "package_version", "sklearn_version", "python_version", "created",
                 "embedder", "themes", "thresholds", "classifier", "training", "evaluation"]
        if self.neighbours is not None:  # absent, not null, in a folder without the index
            order.append("neighbours")
        return {k: data[k] for k in order}


def write_metadata(folder, metadata: ModelMetadata) -> None:
    """Write ``metadata.json`` atomically, as every writer of a model folder does."""
    from .atomic import atomic_write

    with atomic_write(Path(folder) / METADATA_FILE) as fh:
        json.dump(metadata.to_dict(), fh, indent=2, ensure_ascii=False)
        fh.write("\n")


def read_checked(path: Path, sha256: str) -> bytes:
    """A model folder's file, refused unless its checksum is the one ``metadata.json`` records."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if hashlib.sha256(blob).hexdigest() != sha256:
        raise ModelError(f"{path} is corrupt or not this model's: its checksum does not match {METADATA_FILE}")
    return blob


def read_metadata(folder) -> ModelMetadata:
    """Read and check ``metadata.json`` without touching the classifier file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist")
    meta_path = folder / METADATA_FILE
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{folder} is not a model folder: {METADATA_FILE} is missing") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelError(f"{meta_path} is corrupt: {exc}") from exc
    return ModelMetadata.from_dict(data, str(meta_path))


def default_model_dir() -> Path:
    """The shipped model: inside the installed package, or models/default in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "models" / "default", here.parent / "models" / "default"):
        if (candidate / METADATA_FILE).exists():
            return candidate
    return here.parent / "models" / "default"
