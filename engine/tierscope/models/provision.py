"""Provisions: one cited legal rule each, with a condition and one consequence.

Consequences come from a closed vocabulary (assign a tier, require a licence or not,
set the review policy, open a pathway). A provision never contains code. Default
logic as in Catala: a provision with `exception_to` overrides its bases (provision ids,
or a `label` that several provisions carry) where they apply; provisions that define
the same output without an order between them and disagree are a conflict.
"""

import re
from typing import Any, Literal

from pydantic import Field, PrivateAttr, StrictBool, StrictInt, field_validator, model_validator

from ..vocabulary import REVIEW_POLICIES
from .common import Reference, Status, StrictModel, Window
from .condition import Condition

ID_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
PATHWAY_ID_RE = re.compile(r"^[a-z0-9_]+$")


class ParamRef(StrictModel):
    """A ceiling read from a parameter, optionally multiplied by another parameter.

    `up_to_increase`: a percent parameter by which the ceiling *may* be raised (at the
    government's discretion, e.g. 742.6(b)(10)(iii)(C) "may be increased up to 100%").
    The certain ceiling stays `param` (x `times`); the raised figure is reported as an
    upper bound beside it, never as the ceiling itself.
    """

    param: str
    times: str | None = None
    up_to_increase: str | None = None


Authorisation = Literal["no-licence", "licence-exception", "licence", "veu"]


class Obligation(StrictModel):
    """A condition of using a route, shown with an order (`acquire`): notice, reporting..."""

    text: str = Field(min_length=10)
    citation: str = Field(min_length=3)
    order_tpp_gte: str | None = Field(
        default=None, description="TPP parameter: shown only for orders at or above it"
    )


class Routing(StrictModel):
    """How `acquire` routes one order through this pathway (law as data, not code).

    - `rank`: open routes are tried in ascending rank; the first that fits is the route;
    - `authorisation`: what authorises the export on this route;
    - `usage`: which running total the order is checked against (`consignee-year` reads
      --lpp-used, `country-allocation` reads --allocation-used, `none` = not counted);
    - `only_for_veu`: the route exists only for a consignee that holds this VEU type;
    - `beyond_ceiling`: review policy for an order past the ceiling;
    - `obligations`: conditions of use shown with the order.
    """

    rank: StrictInt = Field(ge=0)
    authorisation: Authorisation
    usage: Literal["none", "consignee-year", "country-allocation"] = "none"
    only_for_veu: Literal["nveu", "uveu"] | None = None
    beyond_ceiling: str | None = None
    obligations: list[Obligation] = Field(default_factory=list)

    @field_validator("beyond_ceiling")
    @classmethod
    def _known(cls, v: str | None) -> str | None:
        if v is not None and v not in REVIEW_POLICIES:
            raise ValueError(f"unknown review policy {v!r}; known: {', '.join(REVIEW_POLICIES)}")
        return v


class Reach(StrictModel):
    """How a pathway adds to the total reachable compute of a country.

    - absent: its ceiling counts once;
    - `times`: the ceiling times each listed count parameter (e.g. consignees, years);
    - `fleet_share_of`: its first share limit (percent) of a fleet in H100e (a parameter);
    - `not_additive`: excluded from the total, with the reason.
    """

    times: list[str] | None = None
    fleet_share_of: str | None = None
    not_additive: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "Reach":
        if sum(v is not None for v in (self.times, self.fleet_share_of, self.not_additive)) != 1:
            raise ValueError("reach needs exactly one of times, fleet_share_of, not_additive")
        return self


class Pathway(StrictModel):
    """A route by which items can reach the destination, with its ceiling."""

    id: str
    title: str = Field(min_length=3)
    ceiling: ParamRef | Literal["unbounded"]
    per: str = Field(min_length=3, description="what the ceiling is counted per")
    counts_against_country_allocation: StrictBool
    share_limits: list[str] = Field(
        default_factory=list,
        description="percent parameters limiting the share of an entity's compute placed here",
    )
    reach: Reach | None = None
    routing: Routing | None = None  # absent: not a route for a single order in `acquire`
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not PATHWAY_ID_RE.match(v):
            raise ValueError("pathway id must be lower_snake_case")
        return v


class ReviewPolicy(StrictModel):
    policy: str
    detail: str | None = None

    @field_validator("policy")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in REVIEW_POLICIES:
            raise ValueError(f"unknown review policy {v!r}; known: {', '.join(REVIEW_POLICIES)}")
        return v


class Warning_(StrictModel):
    """Guidance or a caution that applies without changing any figure."""

    id: str
    text: str = Field(min_length=10)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not PATHWAY_ID_RE.match(v):
            raise ValueError("warning id must be lower_snake_case")
        return v


CONSEQUENCES = ("tier", "licence_required", "review_policy", "pathway", "warning")


class Then(StrictModel):
    """Exactly one consequence."""

    tier: StrictInt | None = Field(default=None, ge=1, le=3)
    licence_required: StrictBool | None = None
    review_policy: ReviewPolicy | None = None
    pathway: Pathway | None = None
    warning: Warning_ | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Then":
        set_ = [k for k in CONSEQUENCES if getattr(self, k) is not None]
        if len(set_) != 1:
            raise ValueError(
                f"'then' needs exactly one of {', '.join(CONSEQUENCES)}; got {set_ or 'none'}"
            )
        return self

    @property
    def output(self) -> str:
        """The output this consequence defines: default logic works per output."""
        if self.pathway is not None:
            return f"pathway:{self.pathway.id}"
        if self.warning is not None:
            return f"warning:{self.warning.id}"
        for k in ("tier", "licence_required", "review_policy"):
            if getattr(self, k) is not None:
                return k
        raise AssertionError

    @property
    def value(self) -> object:
        """The value assigned, comparable for conflict detection."""
        if self.pathway is not None:
            return self.pathway
        if self.warning is not None:
            return self.warning
        if self.review_policy is not None:
            return self.review_policy
        return self.tier if self.tier is not None else self.licence_required


class Provision(StrictModel):
    id: str
    title: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    status: Status
    status_note: str | None = None
    valid: Window
    when: Condition
    then: Then
    label: str | None = None
    exception_to: str | list[str] | None = None
    references: list[Reference] = Field(default_factory=list)
    note: str | None = None
    # where the provision was written ("path:line") and its YAML as read (for the line
    # of a key), set by the loader; kept by copies, never part of equality or dumps
    _origin: str | None = PrivateAttr(default=None)
    _raw: Any = PrivateAttr(default=None)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError("provision id must look like 'regime_name.rule_name' (lower_snake)")
        return v

    @field_validator("label")
    @classmethod
    def _label(cls, v: str | None) -> str | None:
        if v is not None and not ID_RE.match(v):
            raise ValueError("a label looks like a provision id: 'regime_name.label_name'")
        return v

    @field_validator("exception_to")
    @classmethod
    def _bases(cls, v: str | list[str] | None) -> str | list[str] | None:
        if isinstance(v, list) and not v:
            raise ValueError("exception_to needs at least one provision id or label")
        return v

    @property
    def bases(self) -> tuple[str, ...]:
        """The names in `exception_to` (provision ids or labels), as a tuple."""
        if self.exception_to is None:
            return ()
        return (
            (self.exception_to,) if isinstance(self.exception_to, str) else tuple(self.exception_to)
        )

    @property
    def origin(self) -> str | None:
        """`path:line` of the provision in its rule file, for errors that point there."""
        return self._origin

    @property
    def raw(self) -> Any:
        """The provision's YAML mapping as read (None when built in code)."""
        return self._raw

    def located(self, origin: str, raw: Any = None) -> "Provision":
        """This provision, remembering where it was written."""
        self._origin = origin
        self._raw = raw
        return self
