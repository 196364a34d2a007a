"""Names as tables show them: without the suffix every name of a list repeats."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

_SUFFIX = re.compile(r"^(?P<stem>.+?)\s*(?P<suffix>（[^（）]*）|\([^()]*\))$")


def short_names(names: Mapping[str, str]) -> dict[str, str]:
    """Each name without a trailing bracketed note that other names of the list repeat:
    「北部圏域（つなぐ市・架空・デモ）」 becomes 「北部圏域」 when 「南部圏域」 carries the
    same note. A note only one name has stays (it tells that one apart), and so do the
    notes of names that would read alike without them (the others still go)."""
    parts = {code: _SUFFIX.match(name) for code, name in names.items()}
    repeated = Counter(m.group("suffix") for m in parts.values() if m is not None)
    short = {
        code: (m.group("stem") if m is not None and repeated[m.group("suffix")] > 1 else name)
        for (code, name), m in zip(names.items(), parts.values(), strict=True)
    }
    # a name that would read like another (different) name without its note keeps it
    fulls: dict[str, set[str]] = {}
    for code, shown in short.items():
        fulls.setdefault(shown, set()).add(names[code])
    return {
        code: (names[code] if len(fulls[shown]) > 1 else shown) for code, shown in short.items()
    }
