"""Accept a country as alpha-2, alpha-3 or name, case-insensitively; suggest near misses."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import UnknownCountryError

# Names analysts use that pycountry does not resolve on its own.
ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "usa": "US", "america": "US", "united states of america": "US",
    "south korea": "KR", "korea": "KR", "north korea": "KP", "russia": "RU",
    "burma": "MM", "taiwan": "TW", "macau": "MO", "macao": "MO", "iran": "IR",
    "syria": "SY", "uae": "AE", "emirates": "AE", "vietnam": "VN", "laos": "LA",
    "drc": "CD", "dr congo": "CD", "congo-kinshasa": "CD", "congo-brazzaville": "CG",
    "ivory coast": "CI", "turkey": "TR", "czechia": "CZ", "holland": "NL",
    "prc": "CN", "hong kong": "HK", "palestine": "PS", "vatican": "VA",
}  # fmt: skip


def _names(code: str) -> list[str]:
    import pycountry  # loads its ISO database: only when a name, not a code, is given

    c = pycountry.countries.get(alpha_2=code)
    if c is None:
        return [code]
    return [
        n for n in (getattr(c, "common_name", None), c.name, getattr(c, "official_name", None)) if n
    ]


def resolve_country(query: str, known: Iterable[str]) -> str:
    """The alpha-2 code for `query`, which must be one of `known`; else suggestions."""
    known_set = set(known)
    q = query.strip()
    if not q:
        raise UnknownCountryError(query, [])
    code: str | None = None
    if q.upper() in known_set and len(q) == 2:
        code = q.upper()
    elif q.lower() in ALIASES:
        code = ALIASES[q.lower()]
    else:
        import pycountry

        try:
            code = pycountry.countries.lookup(q).alpha_2
        except LookupError:
            code = None
    if code in known_set:
        return code
    raise UnknownCountryError(query, suggest(q, known_set))


def suggest(query: str, known: set[str], n: int = 3) -> list[str]:
    """Nearest country names (with codes) to a string that matched nothing."""
    labels: dict[str, str] = {}
    for code in known:
        for name in _names(code):
            labels[name.lower()] = f"{_names(code)[0]} ({code})"
    for alias, code in ALIASES.items():
        if code in known:
            labels.setdefault(alias, f"{_names(code)[0]} ({code})")
    import difflib  # only when a name is not found

    hits = difflib.get_close_matches(query.lower(), list(labels), n=n * 3, cutoff=0.6)
    out: list[str] = []
    for h in hits:
        if labels[h] not in out:
            out.append(labels[h])
    import pycountry

    try:
        for c in pycountry.countries.search_fuzzy(query):
            label = f"{_names(c.alpha_2)[0]} ({c.alpha_2})"
            if c.alpha_2 in known and label not in out:
                out.append(label)
    except LookupError:
        pass
    return out[:n]
