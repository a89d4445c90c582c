"""The data files casearch ships with: read one, or stop with a message that names it.

In: the path of a file installed with the package (stop words, aliases, gazetteers, name lists, templates).
Out: its text (`read_text`), or DataMissing with one line naming the file and what to do when it is missing,
cannot be read, is not UTF-8 text, or holds no entry (every line blank or a comment): tagging or
searching without part of what casearch knows would give quietly worse results instead of an error.
It knows no file's format and caches nothing; the callers parse and keep what they read.
"""
from __future__ import annotations

from pathlib import Path

from .errors import DataMissing

FIX = "reinstall casearch"


def read_text(path: Path, comment: str | None = "#") -> str:
    """Return the text of a shipped data file that must hold at least one entry.

    `comment`: what starts a comment line of the file's format (None: the format has none, as in templates).

    Raises:
        DataMissing: the file is missing, unreadable, not UTF-8 text, or holds only blank and comment lines.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise missing(path) from None
    except OSError as e:
        raise unreadable(path, e.strerror or type(e).__name__) from e
    except UnicodeDecodeError as e:
        raise unreadable(path, "not UTF-8 text") from e
    if not any(line.strip() and not (comment and line.lstrip().startswith(comment)) for line in text.splitlines()):
        raise empty(path)
    return text


def missing(path: Path) -> DataMissing:
    """The error of a shipped file that is not there."""
    return DataMissing(f"casearch's data file {path} is missing: {FIX}")


def unreadable(path: Path, reason: str) -> DataMissing:
    """The error of a shipped file that cannot be read (`reason`: the system's words, or "not UTF-8 text")."""
    return DataMissing(f"casearch's data file {path} cannot be read ({reason}): {FIX}")


def empty(path: Path) -> DataMissing:
    """The error of a shipped file that holds no entry."""
    return DataMissing(f"casearch's data file {path} holds no entries: {FIX}")
