"""What an indexing run reports: the `Progress` seam (steps and warnings) and the `BuildReport` it returns.

In: nothing. Out: the two types the run and its workers share with the CLI, which draws the bars and prints
the summary. No logic of the run lives here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list = field(default_factory=list)  # Rejected
    missing: list = field(default_factory=list)  # the given paths that do not exist (a user error)
    files: int = 0
    articles: int = 0  # in the index after the run
    seconds: float = 0.0
    generation: str = ""

    def summary(self) -> str:
        return (f"Indexed {count(self.added + self.updated + self.unchanged, 'article')} from "
                f"{count(self.files, 'file')} in {self.seconds:.1f} s: {self.added:,} added, {self.updated:,} "
                f"updated, {self.unchanged:,} unchanged, {len(self.rejected):,} rejected, {self.removed:,} removed; "
                f"{self.articles:,} in the index")


def count(n: int, noun: str) -> str:
    """Say how many, the noun plural unless there is one: "1 article", "1,204 articles"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


class Progress:
    """The progress seam: the library reports steps, the CLI draws bars. This default stays silent."""

    def start(self, label: str, total: Optional[int]) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def finish(self) -> None: ...
    def warn(self, message: str) -> None: ...
