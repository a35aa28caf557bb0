"""A feed's file from its rows, made again only when the rows or its settings change (issue 20).

Calendar apps poll the same feed every few minutes and it rarely changes. The file's ETag is
its view's digest (``ical.CalendarView.digest``), the same in every process, but making the
view means converting every row and building an event of it. So each process remembers the
digest of each view it made, by a hash of everything the view was made from: the rows as the
database gave them (with whether the reader sees each video link) and which database, the
language, the installation's host and page addresses, the feed's name, description and
refresh interval, and the rendering's FORMAT. A feed fetched again costs its query and that
hash; a change in any of it is a new hash, so a new view, digest and file. What a process
cannot change while it runs (the translations, the code) is not part of it.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from flask_babel import get_locale

from lms.caching import RenderedCache
from lms.calendar.services import FeedRows
from lms.cohorts import ical
from lms.cohorts.models import installation_host
from lms.urls import external_url


class CalendarFile(NamedTuple):
    """A file to send: its digest (the ETag), and its bytes when asked (a 304 needs none)."""

    digest: str
    content: Callable[[], bytes]


def view_file(view: ical.CalendarView) -> CalendarFile:
    digest = view.digest()
    return CalendarFile(digest, lambda: ical.render(view, digest))


# The digests of the views this process made, by the hash of what it made them from: a few
# hundred bytes each, so many more than the bytes kept (``ical._RENDERED``).
_DIGESTS = RenderedCache(size=4096)


def _inputs_hash(*inputs) -> bytes:
    # A pickle gives back the values it was made from: equal pickles are equal inputs. (Equal
    # inputs may pickle differently, which only costs making the view once more.)
    return hashlib.sha256(pickle.dumps(inputs, protocol=5)).digest()


def feed_file(feed: FeedRows, *, name: str, description: str = "",
              refresh: timedelta = timedelta(hours=1)) -> CalendarFile:
    """The file of a feed of ``feed``'s sessions in the current language, linking to their public pages.

    Each row says whether the reader sees its session's video link.
    """
    # Where the public pages are: what ``ical.public_page_url`` adds to a session's cohort.
    pages = external_url("catalogue.cohort", cohort_id=0)
    key = _inputs_hash(ical.FORMAT, feed.dialect.name, str(get_locale()), installation_host(), pages, name,
                       description, refresh, feed.rows)

    def view() -> ical.CalendarView:
        facts = feed.facts()
        shown = {item.id for item, sees_video in facts if sees_video}
        return ical.calendar_view(
            [item for item, _sees_video in facts], name=name, description=description, refresh=refresh,
            show_video=lambda item: item.id in shown, page_url=ical.public_page_urls(),
        )

    kept = _DIGESTS.get(key)
    if kept is None:
        made = view()
        digest = made.digest()
        _DIGESTS.put(key, digest.encode())
        return CalendarFile(digest, lambda: ical.render(made, digest))
    digest = kept.decode()
    return CalendarFile(digest, lambda: ical.rendered(digest, view))
