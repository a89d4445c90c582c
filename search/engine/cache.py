"""A least-recently-used map bounded by the bytes of its values, shared between threads.

In: keys and values with their sizes. Out: the values while they fit. Used by IndexView (decoded
postings) and search.engine.relevance (a word's scores). It knows nothing of the index.
"""
from __future__ import annotations

import threading
from collections import OrderedDict


class ByteCache:
    """A least-recently-used map bounded by the bytes of its values; safe to share between threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.used = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key, value, nbytes: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, nbytes)
            self.used += nbytes
            while self.used > self.max_bytes and len(self._items) > 1:
                _, (_, n) = self._items.popitem(last=False)
                self.used -= n
