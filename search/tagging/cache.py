"""Loaded taggers kept on disk: made once per version of their data and code, then unpickled.

In: a function that makes the taggers, and the folder of the cache (the `cache_dir` setting,
$CASEARCH_CACHE, else $XDG_CACHE_HOME/casearch or ~/.cache/casearch). Out: the taggers, read from
`taggers-<key>.pickle` there when it exists, else made and written there (a temporary file renamed into
place, so a reader never sees half a file). Reading the data files takes 0.17 s; unpickling them 0.03 s,
and every indexing run and worker starts by loading them.

The key hashes the size and modification time of every file the taggers are made from (their data files,
gender_guesser's name list, the tagging and analysis code), as Python checks its own .pyc files, with the
Python version and the pickle protocol: editing any of them makes a new key; the KEPT newest files stay.
A cache that cannot be read or written is left alone: the taggers are then made each time.

It does not decide what the taggers know; it only saves remaking them.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .. import config
from . import gazetteer
from .names import nam_dict

PROTOCOL = pickle.HIGHEST_PROTOCOL
KEPT = 4  # cache files kept in the folder, the newest first
_CODE = Path(__file__).resolve().parent


def folder() -> Path:
    """The cache folder: the `cache_dir` setting, else $XDG_CACHE_HOME/casearch or ~/.cache/casearch."""
    chosen = config.get("cache_dir")
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "casearch"


def sources() -> list:
    """Every file the taggers are made from (DataMissing without gender_guesser's name list).

    A data folder that is gone leaves its files out: the key then matches no cache file, and making the
    taggers names the first missing file (search.datafiles)."""
    data = sorted(gazetteer.DATA.iterdir()) if gazetteer.DATA.is_dir() else []
    return data + sorted(_CODE.glob("*.py")) + [_CODE.parent / "analysis.py", _CODE.parent / "models.py", nam_dict()]


def key() -> str:
    """A hash of the sources' sizes and modification times, the Python version and the pickle protocol."""
    h = hashlib.sha256(f"{sys.version}\0{PROTOCOL}".encode())
    for path in sources():
        st = path.stat()
        h.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def load(make, where: Path | None = None):
    """Return the taggers from the cache in `where` (default `folder()`), making and saving them on a miss."""
    where = folder() if where is None else where
    path = where / f"taggers-{key()}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except FileNotFoundError:
        pass
    except Exception:  # a damaged file (a full disk, an older pickle): the taggers are made anew and saved
        pass
    made = make()
    _save(made, where, path)
    return made


def _save(made, where: Path, path: Path) -> None:
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".taggers-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(made, f, protocol=PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        # older versions go, but a few stay: several checkouts of casearch on one machine share the folder
        kept = sorted(where.glob("taggers-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in kept[KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full disk: the taggers are made again next time
