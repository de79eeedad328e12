"""Chip catalogue: load cited specs, find chips by name, classify under ECCN 3A090, read orders.

The thresholds are dated parameters (rules/parameters/eccn_3a090/*.yaml), read on the
as-of date; nothing here hard-codes 4800 or 5.92. Performance density is compared exactly
(integers: TPP x 1000 against threshold-in-thousandths x die area), never as a float.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import NamedTuple

from .errors import LoadError, OrderParseError, RuleConflictError, TierscopeError, UnknownChipError
from .loader import validate_one
from .models.chip import ChipSpec, Classification
from .models.common import Status, weakest
from .models.parameter import Parameter
from .models.result import ParameterUse
from .quantify import parameter_use
from .yamlio import LineDict, read_yaml

NS = "eccn_3a090"
# role -> parameter id. Only the ids live here; the values come from the rule files.
THRESHOLDS: dict[str, str] = {
    role: f"{NS}.{role}"
    for role in (
        "a_tpp_min",
        "a_pd_tpp_min",
        "a_pd_min",
        "b1_tpp_min",
        "b1_tpp_below",
        "b1_pd_min",
        "b2_tpp_min",
        "b2_pd_min",
        "b_pd_below",
        "non_datacenter_tpp_min",
    )
}
_PD_ROLES = ("a_pd_min", "b1_pd_min", "b2_pd_min", "b_pd_below")
CCL = "15 CFR part 774, Supp. No. 1, ECCN"
MAX_ORDER_COUNT = 10**9


# --------------------------------------------------------------------------- loading


def load_chips(rules_dir: Path) -> dict[str, ChipSpec]:
    """Load rules_dir/chips/*.yaml; errors name file:line:field. Keys are chip ids."""
    folder = Path(rules_dir) / "chips"
    if not folder.is_dir():
        raise LoadError(folder, "chip catalogue folder not found")
    chips: dict[str, ChipSpec] = {}
    names: dict[str, tuple[str, Path]] = {}  # normalised name/alias -> (chip id, file)
    for path in sorted(folder.glob("*.yaml")):
        data = read_yaml(path)
        chip = validate_one(ChipSpec, data, path)
        if chip.id != path.stem:
            line = data.key_lines.get("id") if isinstance(data, LineDict) else None
            raise LoadError(
                path,
                f"chip id {chip.id!r} must equal the file name {path.stem!r}",
                line=line,
                field="id",
            )
        for label in chip_labels(chip):
            key = normalise_name(label)
            if key in names and names[key][0] != chip.id:
                other_id, other_path = names[key]
                raise LoadError(
                    path,
                    f"name or alias {label!r} is already used by chip {other_id!r} ({other_path})",
                    line=data.key_lines.get("aliases") if isinstance(data, LineDict) else None,
                    field="aliases",
                )
            names[key] = (chip.id, path)
        chips[chip.id] = chip
    if not chips:
        raise LoadError(folder, "no chip files (*.yaml) found")
    return chips


# --------------------------------------------------------------------------- lookup


def normalise_name(text: str) -> str:
    """Case-, space-, hyphen- and underscore-insensitive key: 'H100 SXM' == 'h100_sxm'."""
    return re.sub(r"[\s_\-/]+", "", text.strip().casefold())


def chip_labels(chip: ChipSpec) -> list[str]:
    """Every name a chip answers to; aliases first, as users write them."""
    return [*chip.aliases, chip.name, chip.id]  # display preference: aliases first


def find_chip(query: str, chips: Mapping[str, ChipSpec]) -> ChipSpec:
    """The chip whose id, name or alias matches `query` (any case); else UnknownChipError."""
    key = normalise_name(query)
    index: dict[str, tuple[ChipSpec, str]] = {}
    for chip in chips.values():
        for label in chip_labels(chip):
            index.setdefault(normalise_name(label), (chip, label))
    if key in index:
        return index[key][0]
    suggestions: list[str] = []
    if key:
        import difflib  # only when a name is not found

        for k in difflib.get_close_matches(key, list(index), n=8, cutoff=0.6):
            label = index[k][1]
            if label not in suggestions:
                suggestions.append(label)
    raise UnknownChipError(query, suggestions[:3])


# --------------------------------------------------------------------------- classification


class _Th(NamedTuple):
    values: dict[str, int]
    uses: list[ParameterUse]


def _thresholds(params: Mapping[str, Parameter], day: dt.date) -> _Th:
    values: dict[str, int] = {}
    uses: list[ParameterUse] = []
    for role, pid in THRESHOLDS.items():
        param = params.get(pid)
        if param is None:
            raise TierscopeError(
                f"parameter {pid} is missing: it is needed to classify chips under ECCN 3A090"
            )
        try:
            use = parameter_use(params, pid, day)
        except RuleConflictError:
            entry = param.entry_at(day)
            state = "not yet in force" if entry is None else "repealed"
            raise TierscopeError(
                f"parameter {pid} is {state} on {day}: tierscope encodes the ECCN 3A090 thresholds "
                f"from {param.dates[0]} (88 FR 73458), not the October 2022 version"
            ) from None
        values[role] = use.value  # type: ignore[assignment]
        uses.append(use)
    return _Th(values, uses)


def _paragraphs(
    tpp: int, pd: Fraction | None, datacenter: bool, th: Mapping[str, int]
) -> list[str]:
    """3A090 paragraphs met for known figures (pd None -> only the TPP-only tests)."""
    if not datacenter and tpp < th["non_datacenter_tpp_min"]:
        return []  # 3A090 Note: .a and .b do not apply

    def pd_at_least(role: str) -> bool:
        return pd is not None and pd >= Fraction(th[role], 1000)

    def pd_below(role: str) -> bool:
        return pd is not None and pd < Fraction(th[role], 1000)

    met = []
    if tpp >= th["a_tpp_min"]:
        met.append("3A090.a.1")
    if tpp >= th["a_pd_tpp_min"] and pd_at_least("a_pd_min"):
        met.append("3A090.a.2")
    if (
        th["b1_tpp_min"] <= tpp < th["b1_tpp_below"]
        and pd_at_least("b1_pd_min")
        and pd_below("b_pd_below")
    ):
        met.append("3A090.b.1")
    if tpp >= th["b2_tpp_min"] and pd_at_least("b2_pd_min") and pd_below("b_pd_below"):
        met.append("3A090.b.2")
    return met


def _outcome(paragraphs: list[str]) -> str:
    if any(p.startswith("3A090.a") for p in paragraphs):
        return "3A090.a"
    if any(p.startswith("3A090.b") for p in paragraphs):
        return "3A090.b"
    return "not 3A090"


def _outcomes_any_pd(tpp: int, datacenter: bool, th: Mapping[str, int]) -> list[str]:
    """Every outcome some performance density could give at this TPP (PD unknown).

    Each test is a half-open interval in PD with ends at the PD thresholds, so trying 0 and
    each threshold visits every region.
    """
    probes = sorted({Fraction(0)} | {Fraction(th[r], 1000) for r in _PD_ROLES})
    seen: list[str] = []
    for pd in probes:
        out = _outcome(_paragraphs(tpp, pd, datacenter, th))
        if out not in seen:
            seen.append(out)
    return seen


def _decide(
    tpp: int, area: int | None, datacenter: bool, th: Mapping[str, int]
) -> tuple[str, list[str], list[str], bool]:
    """(eccn, paragraphs, possible outcomes, used_die_area) for one TPP value."""
    any_pd = _outcomes_any_pd(tpp, datacenter, th)
    if area is None:
        if len(any_pd) == 1:
            return any_pd[0], _paragraphs(tpp, None, datacenter, th), any_pd, False
        return "undetermined", _paragraphs(tpp, None, datacenter, th), any_pd, False
    paras = _paragraphs(tpp, Fraction(tpp, area), datacenter, th)
    out = _outcome(paras)
    return out, paras, [out], len(any_pd) > 1


def performance_density(chip: ChipSpec, tpp: int | None = None) -> float | None:
    """TPP / applicable die area, rounded to 2 decimals; None when the area is unknown."""
    if chip.die_area_mm2 is None:
        return None
    return round((chip.tpp if tpp is None else tpp) / chip.die_area_mm2, 2)


def _fmt_pd(th: int) -> str:
    return f"{th / 1000:g}"


def _rule_text(
    chip: ChipSpec, eccn: str, paras: list[str], possible: list[str], th: Mapping[str, int]
) -> str:
    pd = performance_density(chip)
    pd_txt = f"PD {pd:.2f}" if pd is not None else "PD unknown (die area unknown)"
    if not chip.datacenter and chip.tpp < th["non_datacenter_tpp_min"]:
        return (
            f"3A090 Note: not designed or marketed for datacenters and TPP {chip.tpp:,} < "
            f"{th['non_datacenter_tpp_min']:,}, so 3A090.a and .b do not apply"
        )
    if "3A090.a.1" in paras:
        return f"3A090.a.1: TPP {chip.tpp:,} >= {th['a_tpp_min']:,}"
    if "3A090.a.2" in paras:
        return (
            f"3A090.a.2: TPP {chip.tpp:,} >= {th['a_pd_tpp_min']:,} and "
            f"{pd_txt} >= {_fmt_pd(th['a_pd_min'])}"
        )
    if "3A090.b.1" in paras:
        return (
            f"3A090.b.1: {th['b1_tpp_min']:,} <= TPP {chip.tpp:,} < {th['b1_tpp_below']:,} and "
            f"{_fmt_pd(th['b1_pd_min'])} <= {pd_txt} < {_fmt_pd(th['b_pd_below'])}"
        )
    if "3A090.b.2" in paras:
        return (
            f"3A090.b.2: TPP {chip.tpp:,} >= {th['b2_tpp_min']:,} and "
            f"{_fmt_pd(th['b2_pd_min'])} <= {pd_txt} < {_fmt_pd(th['b_pd_below'])}"
        )
    if eccn == "undetermined":
        return (
            f"TPP {chip.tpp:,} < {th['a_tpp_min']:,} and {pd_txt}: the density tests of "
            f"3A090.a.2/.b decide, so the outcome could be any of {', '.join(possible)}"
        )
    if pd is None:
        floor = min(th["a_pd_tpp_min"], th["b1_tpp_min"], th["b2_tpp_min"])
        return (
            f"not 3A090 whatever the density: TPP {chip.tpp:,} is below {floor:,}, the lowest "
            f"TPP any 3A090.a/.b paragraph requires"
        )
    return (
        f"no 3A090 paragraph met: TPP {chip.tpp:,} < {th['a_tpp_min']:,}; {pd_txt} meets neither "
        f"3A090.a.2 (PD >= {_fmt_pd(th['a_pd_min'])}) nor .b.1 (TPP >= {th['b1_tpp_min']:,}, "
        f"PD >= {_fmt_pd(th['b1_pd_min'])}) nor .b.2 (PD >= {_fmt_pd(th['b2_pd_min'])})"
    )


def classify(chip: ChipSpec, params: Mapping[str, Parameter], day: dt.date) -> Classification:
    """ECCN 3A090 classification of `chip` under the thresholds in force on `day`."""
    th = _thresholds(params, day)
    eccn, paras, possible, used_area = _decide(
        chip.tpp, chip.die_area_mm2, chip.datacenter, th.values
    )
    notes: list[str] = []

    range_sensitive = False
    if chip.tpp_range is not None:
        ends = {}
        for end in chip.tpp_range:
            ends[end] = _decide(end, chip.die_area_mm2, chip.datacenter, th.values)[0]
        if any(out != eccn for out in ends.values()):
            range_sensitive = True
            low, high = chip.tpp_range
            notes.append(
                f"Sensitive to the disputed TPP: at {low:,} the result is {ends[low]}, "
                f"at {high:,} it is {ends[high]} (value used {chip.tpp:,} gives {eccn})."
            )
    if eccn == "undetermined":
        notes.append(
            "Die area unknown: performance density cannot be computed, and TPP alone "
            "does not decide."
        )
    elif chip.die_area_mm2 is None:
        notes.append("Die area unknown; TPP alone decides.")
    if eccn == "3A090.a" and not chip.datacenter:
        notes.append(
            "Not designed or marketed for datacenters, with TPP at or above the Note's "
            "threshold: see License Exceptions NAC/ACA."
        )
    if chip.status is not Status.primary and chip.status_note:
        notes.append(f"Chip data ({chip.status.value}): {chip.status_note}")

    figure_statuses = [chip.figure_status.tpp]
    if used_area and chip.figure_status.die_area is not None:
        figure_statuses.append(chip.figure_status.die_area)
    statuses = figure_statuses + [u.status for u in th.uses]
    if eccn == "undetermined" or range_sensitive:
        statuses.append(Status.unverified)

    citations = [f"{CCL} {p}" for p in paras] or [f"{CCL} 3A090 (paragraphs .a, .b and Notes)"]
    citations += [r.text for r in chip.references]

    return Classification(
        chip=chip.id,
        chip_name=chip.name,
        as_of=day,
        eccn=eccn,  # type: ignore[arg-type]
        paragraphs=paras,
        possible=possible,
        rule=_rule_text(chip, eccn, paras, possible, th.values),
        tpp=chip.tpp,
        performance_density=performance_density(chip),
        die_area_mm2=chip.die_area_mm2,
        datacenter=chip.datacenter,
        used_die_area=used_area,
        range_sensitive=range_sensitive,
        notes=notes,
        status=weakest(statuses),
        citations=citations,
        parameters=th.uses,
    )


# --------------------------------------------------------------------------- orders


class OrderLine(NamedTuple):
    count: int
    chip: ChipSpec


EXAMPLE_ORDER = "1000 x B200, 200 x H100"
# One item and its separator. Items are separated by , ; + or newlines; a comma inside a
# leading count ("1,000 x B200") is a thousands separator. Chip names contain no separators.
_ITEM = re.compile(r"(?P<body>(?:\s*\d{1,3}(?:,\d{3})+(?!\d))?[^,;+\n]*)(?P<sep>[,;+\n]|$)")
_LINE = re.compile(
    r"^(?P<count>\d{1,3}(?:,\d{3})+|\d[\d_]*)(?:\s*[x×*]\s*|\s+)(?P<chip>\S.*?)$", re.IGNORECASE
)


def _items(text: str) -> list[str]:
    items: list[str] = []
    pos = 0
    while True:
        m = _ITEM.match(text, pos)
        assert m is not None  # the pattern matches any position (possibly empty)
        items.append(m.group("body").strip())
        if not m.group("sep"):
            return items
        pos = m.end()


def parse_order(text: str, chips: Mapping[str, ChipSpec]) -> list[OrderLine]:
    """Read "1000 x B200, 200 x H100" (also "1000xB200", "1,000 B200") into (count, chip) lines."""
    lines: list[OrderLine] = []
    for part in _items(text or ""):
        if not part:
            continue
        m = _LINE.match(part)
        if m is None or m.group("chip").strip() in {"x", "X", "×", "*"}:
            raise OrderParseError(
                f"cannot read {part!r} in the chip order: expected '<count> x <chip>', "
                f"e.g. {EXAMPLE_ORDER!r}"
            )
        digits = re.sub(r"[,_]", "", m.group("count"))
        if len(digits.lstrip("0")) > len(
            str(MAX_ORDER_COUNT)
        ):  # int() of thousands of digits fails
            raise OrderParseError(f"chip count in {part[:40]!r} is larger than {MAX_ORDER_COUNT:,}")
        count = int(digits)
        if count <= 0:
            raise OrderParseError(f"the chip count must be positive in {part!r}")
        if count > MAX_ORDER_COUNT:
            raise OrderParseError(
                f"chip count {count:,} in {part!r} is larger than {MAX_ORDER_COUNT:,}"
            )
        lines.append(OrderLine(count, find_chip(m.group("chip"), chips)))
    if not lines:
        raise OrderParseError(f"empty chip order: expected for example {EXAMPLE_ORDER!r}")
    return lines


def order_tpp(order: list[OrderLine] | list[tuple[int, ChipSpec]]) -> int:
    """Total TPP of an order: sum of count x chip TPP (exact integer)."""
    return sum(count * chip.tpp for count, chip in order)
