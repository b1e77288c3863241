"""Bookkeeping for batch work: what was processed, what was skipped and why.

Every batch command (tag, train, evaluate, report) keeps one ``BatchLog``. A bad
input is reported once, on its own line, and the batch goes on; at the end the
CLI prints ``summary()`` and exits 0 (all processed) or 1 (anything skipped).
With ``strict=True`` the first problem is raised instead.
"""

from collections import Counter
from collections.abc import Callable

from .errors import InputError


class BatchLog:
    def __init__(self, strict: bool = False, echo: Callable[[str], None] | None = None):
        self.strict = strict
        self.echo = echo or (lambda message: None)
        self.processed = 0
        self.skipped: Counter[str] = Counter()
        self.notes: list[str] = []

    def skip(self, error: InputError) -> None:
        """Record a skipped input; raise it instead in strict mode."""
        if self.strict:
            error.stopped_strict = True
            raise error
        self.skipped[error.reason] += 1
        self.echo(f"skipped {error}")

    def note(self, message: str) -> None:
        """Something worth telling that is not a skip (e.g. a fallback encoding)."""
        self.notes.append(message)
        self.echo(message)

    def ok(self, n: int = 1) -> None:
        self.processed += n

    @property
    def n_skipped(self) -> int:
        return sum(self.skipped.values())

    def summary(self, noun: str = "inputs") -> str:
        text = f"{self.processed} {noun} processed, {self.n_skipped} skipped"
        if self.skipped:
            text += " (" + ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items())) + ")"
        return text
