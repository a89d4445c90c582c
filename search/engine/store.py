"""The index's life on disk: generations, CURRENT, meta.json, the writers' lock and the atomic swap.

Layout of INDEX_DIR:
    CURRENT        the name of the live generation (replaced atomically with os.replace)
    gen-000007/    a complete whoosh index plus meta.json (schema version, build time, counts)
    .lock          held (flock) by the one indexing run; the pid inside is for the message only
In: INDEX_DIR. Out: the live generation's folder and meta (`current_generation`, `read_meta`), the open
whoosh index (`open_index`, with IndexMissing / IndexOutdated / IndexDamaged for what cannot be read), and for the writer:
`Lock`, `new_generation_dir`, `swap` (rename, then CURRENT, fsynced) and `remove_old_generations`. Both
the indexing run and IndexView use it; it neither reads articles nor writes segments.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Optional

from whoosh import index as windex

from ..errors import IndexBusy, IndexMissing, IndexOutdated
from .damage import damaged, require_whole
from .postings import share_mapped_files
from .schema import SCHEMA_VERSION

CURRENT = "CURRENT"
GEN_PREFIX = "gen-"
META = "meta.json"
KEEP_OLD_GENERATIONS = 1


def current_generation(index_dir: str) -> Optional[Path]:
    """Return the folder of the live generation, or None when there is no index."""
    root = Path(index_dir)
    try:
        name = (root / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexMissing(f"cannot read the index at {root}: {e.strerror}") from e
    gen = root / name
    return gen if name.startswith(GEN_PREFIX) and gen.is_dir() else None


def read_meta(gen: Path) -> dict:
    try:
        return json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def open_index(index_dir: str):
    """Open the live generation for reading; raise IndexMissing or IndexOutdated with a clear message."""
    gen = current_generation(index_dir)
    if gen is None:
        if Path(index_dir).is_dir() and any(Path(index_dir).glob("_MAIN_*.toc")):
            raise IndexOutdated(f"the index at {index_dir} was built by an older version of casearch: "
                                f"rebuild with casearch index --full")
        raise IndexMissing(f"no index at {index_dir}: build one with `casearch index`")
    meta = read_meta(gen)
    if not meta:
        require_whole(gen)  # meta.json unreadable: say so, not that its schema version is None
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexOutdated(f"the index at {index_dir} has schema version {meta.get('schema_version')} but this "
                            f"casearch needs {SCHEMA_VERSION}: rebuild with casearch index --full")
    share_mapped_files()  # whoosh reads the mapped segments in place, not a copy per reader
    try:
        return windex.open_dir(str(gen))
    except (AttributeError, ImportError) as e:
        if not unpickled_code_missing(e):
            raise damaged(gen, e) from e
        raise IndexOutdated(f"the index at {index_dir} was written by an older casearch: its schema names code this "
                            f"version no longer has ({e}); rebuild with casearch index --full") from e
    except Exception as e:  # whoosh raises several types for damaged indexes
        raise damaged(gen, e) from e


def unpickled_code_missing(error: BaseException) -> bool:
    """Whether reading whoosh's pickled schema failed on a class or module this code does not have (one that
    an older casearch pickled and has since moved or renamed), rather than on damaged bytes."""
    return isinstance(error, ModuleNotFoundError) or (
        isinstance(error, AttributeError) and str(error).startswith("Can't get attribute"))


# --- the writers' lock ----------------------------------------------------------------------------

class Lock:
    """An exclusive flock on INDEX_DIR/.lock; the kernel frees it when the holder dies (kill -9 included)."""

    def __init__(self, root: Path):
        self.path = root / ".lock"
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(self.fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(self.fd)
            raise IndexBusy(f"another indexing run is in progress (pid {pid})") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc):
        os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


# --- a new generation and the swap --------------------------------------------------------------


def new_generation_dir(root: Path) -> Path:
    numbers = [int(p.name[len(GEN_PREFIX):].split(".")[0]) for p in root.glob(GEN_PREFIX + "*")
               if p.name[len(GEN_PREFIX):].split(".")[0].isdigit()]
    n = max(numbers, default=0) + 1
    path = root / f"{GEN_PREFIX}{n:06d}.tmp"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap(root: Path, new: Path) -> Path:
    """Make `new` the live generation: rename it to its final name, then replace CURRENT atomically."""
    final = new.with_name(new.name[:-len(".tmp")])
    os.rename(new, final)
    write_atomic(root / CURRENT, final.name + "\n")
    fsync_dir(root)
    return final


def remove_old_generations(root: Path, keep: str) -> None:
    gens = sorted(p for p in root.glob(GEN_PREFIX + "*") if p.is_dir())
    old = [p for p in gens if p.name != keep]
    finished = [p for p in old if not p.name.endswith(".tmp")]
    for p in [p for p in old if p.name.endswith(".tmp")] + finished[:-KEEP_OLD_GENERATIONS or None]:
        shutil.rmtree(p, ignore_errors=True)


def index_stats(index_dir: str) -> dict:
    """Size on disk and generations of the index (for `casearch stats`)."""
    root = Path(index_dir)
    gen = current_generation(index_dir)
    size = sum(f.stat().st_size for f in gen.iterdir() if f.is_file()) if gen else 0
    meta = read_meta(gen) if gen else {}
    return {"generation": gen.name if gen else None, "size_bytes": size,
            "generations": sorted(p.name for p in root.glob(GEN_PREFIX + "*") if p.is_dir()),
            "schema_version": meta.get("schema_version"), "built_at": meta.get("built_at")}
