"""A damaged generation: which file is at fault, and the error that says so and what to run.

In: a generation folder, or an exception raised while reading one. Out: `check_files(gen)`, the first damaged
file as (path, what is wrong) or None: meta.json, the TOC, each segment's compound file (its header, its
directory, every part inside the file), the spelling table and the near-copy ledger (`require_whole` raises
on the first); `damaged(gen, error)`,
the IndexDamaged naming that file (or the error, when no file shows the damage) and `casearch index --full`;
`mapped_sizes(gen)` and `changed(sizes)`, the sizes of the files a view maps and the first one changed since
(a file truncated under a memory map kills the process that reads the lost pages, SIGBUS: a view checks before
each request). It does not decode postings or stored articles (search.engine.stats.verify reads those).
"""
from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Optional

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, EmptyIndexError
from whoosh.system import _INT_SIZE, _LONG_SIZE

from ..duplicates import LEDGER
from ..errors import IndexDamaged
from .spelling import DELETES

# what reading a damaged file raises, in whoosh, pickle, numpy and zipfile (and a file gone or unreadable)
READ_ERRORS = (EOFError, struct.error, zlib.error, pickle.UnpicklingError, zipfile.BadZipFile, EmptyIndexError,
               ValueError, IndexError, KeyError, TypeError, OSError)
META = "meta.json"  # search.engine.store's (which imports this module)
INDEX_NAME = "MAIN"  # whoosh's name of the index inside a generation (its files are MAIN_*.seg, _MAIN_*.toc)
REBUILD = "rebuild it with `casearch index --full`"


def check_files(gen: Path) -> Optional[tuple]:
    """Return the first damaged file of a generation as (path, what is wrong), or None when every file reads."""
    gen = Path(gen)
    try:
        json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        return gen / META, _reason(e)
    storage = FileStorage(str(gen))
    try:
        toc = TOC.read(storage, INDEX_NAME)
    except (AttributeError, ImportError):  # a schema naming code this version lacks: outdated, not damaged
        return None
    except READ_ERRORS as e:
        tocs = sorted(gen.glob(f"_{INDEX_NAME}_*.toc"))
        return (tocs[-1] if tocs else gen / f"_{INDEX_NAME}_1.toc"), _reason(e)
    for segment in toc.segments:
        if segment.is_compound():
            found = _check_compound(gen / segment.make_filename(".seg"))
            if found:
                return found
    for name, load in ((DELETES, lambda p: np.load(p, mmap_mode="r")[-1:].tolist()),
                       (LEDGER, lambda p: [np.load(p)[k].size for k in np.load(p).files])):
        if (gen / name).exists():
            try:
                load(gen / name)
            except READ_ERRORS as e:
                return gen / name, _reason(e)
    return None


def _check_compound(path: Path) -> Optional[tuple]:
    """A compound segment file: a header (where the directory of parts starts, and its length), the parts, then
    the directory; every part must lie inside the file before the directory."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            f = StructFile(fh)
            if size < _LONG_SIZE + _INT_SIZE:
                return path, f"is truncated ({size:,} bytes, shorter than its header)"
            dir_at = f.read_long()
            dir_length = f.read_int()
            if size < dir_at + dir_length:
                return path, (f"is truncated ({size:,} bytes; its directory of parts ends at byte "
                              f"{dir_at + dir_length:,})")
            f.seek(dir_at)
            parts = f.read_pickle()
            f.read_pickle()  # the storage options
    except READ_ERRORS as e:
        return path, _reason(e)
    for name, info in sorted(parts.items()):
        if info["offset"] + info["length"] > dir_at:
            return path, f"is damaged (its part {name} runs past the end of the parts)"
    return None


def _reason(error: BaseException) -> str:
    if isinstance(error, FileNotFoundError):
        return "is missing"
    if isinstance(error, OSError):
        return f"cannot be read ({error.strerror or error})"
    return f"is damaged ({_named(error)})"


def _named(error: BaseException) -> str:
    """`struct.error: unpack requires ...`: the error's type as Python names it, and its first words."""
    kind = type(error)
    package = kind.__module__.split(".")[0].lstrip("_")  # json.decoder -> json, _pickle -> pickle
    name = kind.__name__ if package == "builtins" else f"{package}.{kind.__name__}"
    return f"{name}: {str(error)[:80] or 'no detail'}"


def require_whole(gen: Path) -> None:
    """Raise IndexDamaged naming the first damaged file of a generation (see check_files), if any."""
    found = check_files(gen)
    if found:
        raise IndexDamaged(f"the index is damaged: {found[0]} {found[1]}; {REBUILD}")


def damaged(gen: Optional[Path], error: BaseException) -> IndexDamaged:
    """The error to raise for a generation that failed to read: it names the damaged file when one shows the
    damage, else the error, and says what to run."""
    found = check_files(gen) if gen is not None else None
    if found:
        return IndexDamaged(f"the index is damaged: {found[0]} {found[1]}; {REBUILD}")
    where = f" {gen}" if gen is not None else ""
    return IndexDamaged(f"the index generation{where} cannot be read ({_named(error)}); {REBUILD}")


def mapped_sizes(gen: Optional[Path]) -> dict:
    """{path: size in bytes} of the files of a generation that views read through memory maps."""
    if gen is None:
        return {}
    paths = sorted(Path(gen).glob("*.seg")) + [Path(gen) / DELETES]
    sizes = {}
    for p in paths:
        try:
            sizes[p] = p.stat().st_size
        except FileNotFoundError:
            continue
    return sizes


def changed(sizes: dict) -> Optional[Path]:
    """The first of these files whose size is not what it was (truncated or rewritten in place), or None. A
    file removed since is not changed: its pages stay mapped until the view closes."""
    for path, size in sizes.items():
        try:
            if os.stat(path).st_size != size:
                return path
        except FileNotFoundError:
            continue
    return None
