"""The closed vocabulary of the rule language: facts a condition may read, and their types.

A rule file can only name facts listed here; the engine supplies inputs from country
files and scenarios, and outputs from provisions that fired in an earlier stage
(forward chaining). Keeping the list closed is what lets `check` enumerate the whole
fact space and lets the compiler guarantee every fact is present in every message
(durable-rules treats a missing attribute differently from a false one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# EAR Country Groups, 15 CFR part 740, Supplement No. 1.
COUNTRY_GROUPS: tuple[str, ...] = (
    "A:1", "A:2", "A:3", "A:4", "A:5", "A:6",
    "B",
    "D:1", "D:2", "D:3", "D:4", "D:5",
    "E:1", "E:2",
)  # fmt: skip

# Items a question can be about (`query --item`); 3A090.a stands for 3A090.a/4A090.a and
# their .z equivalents, 4E091 for the model weights the framework controlled.
ITEMS: tuple[str, ...] = ("3A090.a", "4E091")
DEFAULT_ITEM = "3A090.a"

FactKind = Literal["code", "groups", "bool", "int", "str"]


@dataclass(frozen=True)
class FactSpec:
    name: str
    kind: FactKind
    origin: Literal["input", "output"]
    doc: str
    values: tuple[object, ...] | None = None  # finite domain, for enumeration in `check`


FACTS: dict[str, FactSpec] = {
    f.name: f
    for f in (
        FactSpec("country", "code", "input", "ISO 3166-1 alpha-2 code of the destination."),
        FactSpec("groups", "groups", "input", "EAR country groups of the destination on the date."),
        FactSpec(
            "hq_country",
            "code",
            "input",
            "Where the consignee (or its ultimate parent) is headquartered; defaults to the destination.",
        ),
        FactSpec("hq_groups", "groups", "input", "EAR country groups of the headquarters country."),
        FactSpec(
            "order",
            "bool",
            "input",
            "The question is about a specific order of chips (`acquire`), not the whole category.",
            (False, True),
        ),
        FactSpec(
            "order_max_tpp",
            "int",
            "input",
            "Highest TPP of any chip in the order (0 without an order).",
        ),
        FactSpec(
            "order_max_dram_gb_s",
            "int",
            "input",
            "Highest total DRAM bandwidth of any chip in the order, GB/s (0 without an order).",
        ),
        FactSpec(
            "item",
            "str",
            "input",
            "What is exported: 3A090.a (advanced AI chips, with 4A090.a) or 4E091 (model weights).",
            ITEMS,
        ),
        FactSpec(
            "g2g_arrangement",
            "bool",
            "input",
            "The destination's government has an export-control arrangement with the US.",
            (False, True),
        ),
        # Political facts: never set by the law's own files, only by scenarios (routes'
        # preconditions read them; see rules/pathways/). False unless a scenario sets them.
        FactSpec(
            "leader_channel_decision",
            "bool",
            "input",
            "Political: the US president grants the destination's government an upgrade "
            "(Tier 1 or an exemption) through the leaders' relationship.",
            (False, True),
        ),
        FactSpec(
            "regional_settlement",
            "bool",
            "input",
            "Political: a wider regional settlement that includes the destination's upgrade "
            "has been concluded.",
            (False, True),
        ),
        FactSpec(
            "trusted_tech_agreement",
            "bool",
            "input",
            "Political: the destination's bilateral trusted-technology dialogue with the US "
            "has produced an export-control and technology-security agreement.",
            (False, True),
        ),
        FactSpec("tier", "int", "output", "AI Diffusion tier (1, 2 or 3).", (1, 2, 3)),
        FactSpec(
            "licence_required",
            "bool",
            "output",
            "A licence is required for 3A090.a/4A090.a items to the destination.",
            (False, True),
        ),
        FactSpec("review_policy", "str", "output", "Licence review policy code."),
    )
}

# Which comparison each kind of fact supports in a condition.
OPS_BY_KIND: dict[str, frozenset[str]] = {
    "code": frozenset({"equals", "in", "in_param"}),
    "groups": frozenset({"has", "has_any", "has_all"}),
    "bool": frozenset({"equals"}),
    "int": frozenset({"equals", "in", "gte", "lt"}),
    "str": frozenset({"equals", "in"}),
}

# Outputs every evaluation must define (nothing applicable is an error, as in Catala).
REQUIRED_OUTPUTS: tuple[str, ...] = ("tier", "licence_required")

REVIEW_POLICIES: dict[str, str] = {
    "no-licence-required": "No licence is required for these items to this destination.",
    "presumption-of-approval": "Licence applications are reviewed with a presumption of approval.",
    "case-by-case": "Licence applications are reviewed case by case.",
    "presumption-of-denial": "Licence applications are reviewed with a presumption of denial.",
    "policy-of-denial": "Licence applications are reviewed under a policy of denial.",
    "allocation": (
        "Licence applications are reviewed against the destination's country allocation."
    ),
}
