"""Which IndexView a server hands out: the live generation's, reopened when a reindex swapped CURRENT, and
closed when the last request using a replaced one ends.

In: INDEX_DIR. Out: `IndexHandle.acquire()`, a context manager giving a request the current `IndexView` and
counting it as a user until the request ends; `get()`, the current view for a caller that holds none across a
swap. A view is made once per generation and warmed in a background thread. When a reindex swaps CURRENT,
the old view is closed (its maps and files let go, so a removed generation frees its disk) as soon as no
request holds it. Before handing a view out it checks that no file it maps changed size (IndexDamaged, and
the view is dropped: a truncated mapped file would kill the process). It does not search.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

from .store import CURRENT
from .view import IndexView


class IndexHandle:
    """Hands out the IndexView of the live generation, reopening it when a reindex swapped CURRENT."""

    def __init__(self, index_dir: str, preload_mb: Optional[int] = None):
        self.index_dir = index_dir
        self.preload_mb = preload_mb  # what each new view maps into memory (None: the preload_mb setting)
        self._view: Optional[IndexView] = None
        self._stamp = None
        self._lock = threading.Lock()
        self._users: dict = {}  # view -> requests holding it (only views in use are keys)
        self.warmer: Optional[threading.Thread] = None  # the thread warming the latest view

    def _current_stamp(self):
        try:
            return (Path(self.index_dir) / CURRENT).read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def get(self) -> IndexView:
        """Return the view of the live generation (raises IndexMissing / IndexOutdated / IndexDamaged). A view
        replaced by a reindex is closed at once unless a request acquired it: use `acquire` to hold one."""
        with self._lock:
            return self._live()

    @contextmanager
    def acquire(self):
        """Give the caller the live view for the length of the `with` block (a request); a view replaced in the
        meantime is closed when its last holder leaves."""
        with self._lock:
            view = self._live()
            self._users[view] = self._users.get(view, 0) + 1
        try:
            yield view
        finally:
            with self._lock:
                left = self._users.pop(view) - 1
                if left:
                    self._users[view] = left
                done = not left and view is not self._view
            if done:
                view.close()

    def users(self, view: IndexView) -> int:
        """How many requests hold a view."""
        with self._lock:
            return self._users.get(view, 0)

    def _live(self) -> IndexView:
        """The live view, opened when CURRENT changed (called with the lock held)."""
        stamp = self._current_stamp()
        if self._view is not None and stamp == self._stamp:
            try:
                self._view.check_intact()
            except Exception:
                self._retire(self._view, None)
                raise
            return self._view
        new = IndexView(self.index_dir)  # the old view stays usable by requests holding it
        self._retire(self._view, new)
        self._stamp = stamp
        self.warmer = threading.Thread(target=new.warm, kwargs={"preload_mb": self.preload_mb},
                                       name="casearch-warm", daemon=True)
        self.warmer.start()
        return new

    def _retire(self, old: Optional[IndexView], new: Optional[IndexView]) -> None:
        """Make `new` the live view; close `old` now if no request holds it (else its last holder does)."""
        self._view = new
        if new is None:
            self._stamp = None
        if old is not None:
            old.stop_preload()  # the new generation's parts are the ones worth mapping
            if not self._users.get(old):
                old.close()
