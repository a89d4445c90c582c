"""Which IndexView a server hands out: the live generation's, reopened when a reindex swapped CURRENT.

In: INDEX_DIR. Out: `IndexHandle.get()` — the current `IndexView`, made once per generation and warmed in a
background thread; requests in flight keep the view they hold. It does not search.
"""
from __future__ import annotations

import threading
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
        self.warmer: Optional[threading.Thread] = None  # the thread warming the latest view

    def _current_stamp(self):
        try:
            return (Path(self.index_dir) / CURRENT).read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def get(self) -> IndexView:
        """Return the view of the live generation (raises IndexMissing / IndexOutdated)."""
        stamp = self._current_stamp()
        view = self._view
        if view is not None and stamp == self._stamp:
            return view
        with self._lock:
            if self._view is None or stamp != self._stamp:
                if self._view is not None:
                    self._view.stop_preload()  # the new generation's parts are the ones worth mapping
                self._view = IndexView(self.index_dir)  # the old view stays usable by requests holding it
                self._stamp = stamp
                self.warmer = threading.Thread(target=self._view.warm, kwargs={"preload_mb": self.preload_mb},
                                               name="casearch-warm", daemon=True)
                self.warmer.start()
            return self._view
