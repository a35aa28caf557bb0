"""A small per-process cache of rendered bytes, by a key that says everything they were made from.

For documents that cost far more to render than to describe (a certificate PDF, a calendar
feed of two hundred events): the caller hashes what the document shows into the key, so a
change in any of it is a new key and stale bytes are never served. Nothing here is shared
between processes or servers; losing an entry (a restart, another worker, eviction) only
costs one render. Bounded: the least recently used entry goes first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


class RenderedCache:
    """The last ``size`` documents this process rendered, least recently used evicted first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def get_or_render(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The bytes kept for ``key``, or ``render()``'s, kept from now on.

        Rendering happens outside the lock: two requests for the same new key may both
        render it, which costs time but never gives a wrong answer.
        """
        value = self.get(key)
        if value is None:
            value = render()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)
