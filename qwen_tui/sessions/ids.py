"""Session ids: short, date-based, easy to type, e.g. `261128-0137-k3f9`.

The date part sorts sessions by creation; the random suffix keeps ids unique and gives
users a short handle: any unique prefix of the id, or of its suffix, finds the session
(deleting takes the whole suffix or the whole id).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime

# No 0/o, 1/l/i: a suffix read off the screen is typed back without mistakes.
_SUFFIX_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_SUFFIX_LENGTH = 4
_ID_PATTERN = re.compile(r"^[0-9]{6}-[0-9]{4}-[a-z0-9]{4}$")


def new_session_id(now: datetime | None = None) -> str:
    """A fresh id for a session created at `now` (local time)."""
    now = now or datetime.now()
    suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(_SUFFIX_LENGTH))
    return f"{now:%y%m%d-%H%M}-{suffix}"


def is_session_id(text: str) -> bool:
    """True for a well-formed id; only those are ever turned into file names."""
    return bool(_ID_PATTERN.match(text))


def ids_matching(query: str, ids: Iterable[str], *, whole: bool = False) -> list[str]:
    """The ids `query` designates: an exact id, else every id it prefixes, or whose
    random suffix it prefixes; with `whole`, only ids whose whole suffix it is."""
    query = query.strip().lower()
    if not query:
        return []
    ids = list(ids)
    if query in ids:
        return [query]
    if whole:
        return [i for i in ids if i.rsplit("-", 1)[-1] == query]
    return [i for i in ids if i.startswith(query) or i.rsplit("-", 1)[-1].startswith(query)]
