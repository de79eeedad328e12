"""A World is what one scenario makes of the rule base: provisions, parameters, countries.

Regimes and scenarios both become Worlds; evaluation never sees the difference. A
World is immutable and built once per scenario; its compiled ruleset is cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .compile import CompiledRegime, compile_regime
from .models.country import Country
from .models.parameter import Parameter
from .models.regime import Regime


@dataclass(frozen=True, eq=False)
class World:
    scenario_id: str
    title: str
    regime: Regime
    parameters: Mapping[str, Parameter]
    countries: Mapping[str, Country]
    notes: tuple[str, ...] = ()
    _compiled: list[CompiledRegime] = field(default_factory=list, repr=False)
    result_cache: dict = field(default_factory=dict, repr=False)  # see service._shared_parts

    @property
    def compiled(self) -> CompiledRegime:
        """The compiled ruleset, built on first use (once per World)."""
        if not self._compiled:
            self._compiled.append(compile_regime(self.regime, self.parameters))
        return self._compiled[0]
