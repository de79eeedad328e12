"""What the numbers mean: ceilings and orders read against chips, training runs and clusters.

Plain arithmetic on cited yardsticks (rules/yardsticks/*.yaml), never durable-rules facts.
A cluster is measured by one of three peak dense figures (`Measure`): TPP (the 3A090
measure, the default: it is what the law counts), dense BF16 or dense FP8 TFLOP/s from the
chip catalogue. A training run is its accelerator-hours times the measure of the chip it
ran on, so "DeepSeek-V3's run on this cluster takes N days" assumes the cluster runs as
efficiently as DeepSeek's did. Training FLOP over a window, by contrast, takes a stated
utilisation of peak BF16 (default cited in rules/yardsticks/training-utilisation.yaml).
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .chips import find_chip, parse_order
from .errors import TierscopeError
from .loader import _files, load_named
from .models.chip import ChipSpec
from .models.common import Status, weakest
from .models.result import ResultModel
from .models.yardstick import Figure, Yardstick
from .validation import key_line

HOURS_PER_YEAR = 365.25 * 24
SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600
DEFAULT_CHIP = "H100"
RUN = "deepseek-v3"  # the run every answer is translated into
CLUSTER = "israel-1"  # the cluster every answer is translated into
UTILISATION = "training-utilisation"
DOUBLING = "demand-doubling"
ALGORITHMIC = "algorithmic-gain"


class Measure(str, Enum):
    """Which peak dense figure compares clusters."""

    tpp = "tpp"
    bf16 = "bf16"
    fp8 = "fp8"

    @property
    def label(self) -> str:
        return {
            "tpp": "peak dense TPP (the ECCN 3A090 measure: dense TFLOPS x bit length)",
            "bf16": "peak dense BF16 TFLOP/s (datasheet, no sparsity)",
            "fp8": "peak dense FP8 TFLOP/s (datasheet, no sparsity)",
        }[self.value]

    @property
    def unit(self) -> str:
        return {"tpp": "TPP", "bf16": "dense BF16 TFLOP/s", "fp8": "dense FP8 TFLOP/s"}[self.value]


# --------------------------------------------------------------------------- loading


def load_yardsticks(rules_dir: Path) -> dict[str, Yardstick]:
    """rules_dir/yardsticks/*.yaml, validated; the id must equal the file name (first
    problem raised as a one-line LoadError naming file, line and field)."""
    from .validated_cache import cached

    folder = Path(rules_dir) / "yardsticks"
    out: dict[str, Yardstick] = {}
    # every query translates: from the validated-file cache, no YAML parse (errors are
    # never cached, so a broken file fails again with its own message)
    load = cached("yardstick", lambda path: load_named(Yardstick, path, "id")[0])
    for path in _files(folder, recursive=False) if folder.is_dir() else []:
        ys = load(path)
        assert ys is not None  # stop-at-first mode raises instead
        out[ys.id] = ys
    return out


def need(yardsticks: Mapping[str, Yardstick], yid: str) -> Yardstick:
    """The yardstick `yid`, or a one-line error naming the known ones."""
    if yid not in yardsticks:
        known = ", ".join(sorted(y for y in yardsticks if yardsticks[y].kind != "rate"))
        raise TierscopeError(f"unknown yardstick {yid!r}; known: {known or 'none'}")
    return yardsticks[yid]


def rate(yardsticks: Mapping[str, Yardstick], yid: str) -> tuple[float, Figure]:
    fig = need(yardsticks, yid).rate
    assert fig is not None and isinstance(fig.value, (int, float))
    return float(fig.value), fig


# --------------------------------------------------------------------------- clusters


def chip_measure(chip: ChipSpec, measure: Measure) -> float:
    """One chip's peak dense figure; a one-line error when the catalogue lacks it."""
    if measure is Measure.tpp:
        return float(chip.tpp)
    d = chip.dense_tflops
    value = None
    if d is not None:
        value = (d.bf16 or d.fp16) if measure is Measure.bf16 else d.fp8
    if value is None:
        raise TierscopeError(
            f"{chip.name} has no dense {measure.value.upper()} figure in the chip catalogue; "
            f"use --measure tpp"
        )
    return float(value)


@dataclass(frozen=True)
class Cluster:
    """Chips in counts (fractional for H100-equivalents), with the status of the figures."""

    label: str
    lines: tuple[tuple[float, ChipSpec], ...]
    status: Status
    source: str = ""

    def measure(self, m: Measure) -> float:
        return sum(n * chip_measure(c, m) for n, c in self.lines)

    @property
    def tpp(self) -> float:
        return self.measure(Measure.tpp)

    @property
    def chip_status(self) -> Status:
        return weakest([c.status for _, c in self.lines])

    def describe(self) -> str:
        return ", ".join(
            f"{_count(n)} x {c.aliases[0] if c.aliases else c.name}" for n, c in self.lines
        )


def _count(n: float) -> str:
    return f"{n:,.0f}" if float(n).is_integer() else f"{n:,.1f}"


_QUANTITY = re.compile(r"^\s*(?P<n>\d[\d,_]*(?:\.\d+)?)\s*(?P<unit>tpp|h100e)\s*$", re.IGNORECASE)


def parse_cluster(
    text: str,
    chips: Mapping[str, ChipSpec],
    yardsticks: Mapping[str, Yardstick],
) -> Cluster:
    """A cluster from a yardstick id ("israel-1"), an order ("1500 x H100, 200 x B200"),
    or a quantity ("49,899 H100e", "790000000 TPP")."""
    key = text.strip().lower()
    if key in yardsticks and yardsticks[key].kind != "rate":
        return yardstick_cluster(yardsticks[key], chips)
    m = _QUANTITY.match(text)
    if m:
        n = float(m.group("n").replace(",", "").replace("_", ""))
        h100 = find_chip(DEFAULT_CHIP, chips)
        if m.group("unit").lower() == "tpp":
            n = n / h100.tpp
        return Cluster(text.strip(), ((n, h100),), Status.primary, "as given")
    lines = parse_order(text, chips)
    return Cluster(text.strip(), tuple((float(n), c) for n, c in lines), Status.primary, "as given")


def yardstick_cluster(ys: Yardstick, chips: Mapping[str, ChipSpec], end: str = "value") -> Cluster:
    """The hardware of a cluster or run yardstick (end: value | low | high)."""
    fig = ys.hardware
    assert fig is not None
    bound = getattr(fig, end) if end != "value" else None
    text = str(bound.value) if bound is not None else str(fig.value)
    status = bound.status if bound is not None else fig.status
    lines = parse_order(text, chips)
    return Cluster(ys.short, tuple((float(n), c) for n, c in lines), status, ys.title)


# --------------------------------------------------------------------------- translations


class Translation(ResultModel):
    """One ceiling (TPP) read as chips, FLOP and yardsticks."""

    tpp: int
    chip: str  # the chip kind the ceiling is counted in
    chips: float
    dense_bf16_flops: float  # FLOP/s of that many chips
    utilisation: float
    training_flop_per_year: float
    training_flop_window: float
    window_years: int
    runs_per_year: float  # reference runs (DeepSeek-V3) a year, at the run's own efficiency
    run_days: float  # days one reference run takes on this much compute
    clusters: float  # reference clusters (Israel-1), by TPP
    status: Status


class TranslationBasis(ResultModel):
    """What every translation in an answer rests on, with sources (shown once per answer)."""

    chip: str
    chip_name: str
    chip_tpp: int
    chip_bf16_tflops: float
    utilisation: float
    utilisation_source: str
    window_years: int
    run: str
    run_title: str
    run_measure_hours: float  # run GPU-hours x run chip TPP
    cluster: str
    cluster_title: str
    cluster_tpp: float
    measure: str
    status: Status
    citations: list[str]

    def text(self) -> str:
        return (
            f"Translations read each ceiling as installed compute: chips = TPP / "
            f"{self.chip_tpp:,} ({self.chip_name}); dense BF16 FLOP/s "
            f"of those chips; training FLOP at {self.utilisation:.0%} utilisation "
            f"({self.utilisation_source}) per year and over {self.window_years} years; "
            f"{self.run_title} runs a year at that run's own efficiency (by TPP); x "
            f"{self.cluster_title} by TPP. Status {self.status.value}."
        )


@dataclass(frozen=True)
class Translator:
    """Turns TPP into chips, FLOP and yardsticks on one basis (chip kind, utilisation)."""

    basis: TranslationBasis
    chip: ChipSpec
    base_status: Status

    def __call__(self, tpp: int | None, status: Status = Status.primary) -> Translation | None:
        if tpp is None:
            return None
        b = self.basis
        chips = tpp / b.chip_tpp
        flops = chips * b.chip_bf16_tflops * 1e12
        return Translation(
            tpp=tpp,
            chip=b.chip,
            chips=chips,
            dense_bf16_flops=flops,
            utilisation=b.utilisation,
            training_flop_per_year=flops * b.utilisation * SECONDS_PER_YEAR,
            training_flop_window=flops * b.utilisation * SECONDS_PER_YEAR * b.window_years,
            window_years=b.window_years,
            runs_per_year=tpp * HOURS_PER_YEAR / b.run_measure_hours if tpp else 0.0,
            run_days=b.run_measure_hours / tpp / 24 if tpp else math.inf,
            clusters=tpp / b.cluster_tpp,
            status=weakest([status, self.base_status]),
        )


def translator(
    chips: Mapping[str, ChipSpec],
    yardsticks: Mapping[str, Yardstick],
    chip: str = DEFAULT_CHIP,
    utilisation: float | None = None,
    window_years: int = 3,
) -> Translator:
    """The translation basis: `chip` kind, `utilisation` (None = the cited default)."""
    spec = find_chip(chip, chips)
    default_u, ufig = rate(yardsticks, UTILISATION)
    if utilisation is None:
        u, ustatus = default_u, ufig.status
        usrc = f"reported MFU of {need(yardsticks, UTILISATION).short}s, {ufig.status.value}"
    else:
        if not 0 < utilisation <= 1:
            raise TierscopeError(f"--utilisation {utilisation}: use a fraction in (0, 1], e.g. 0.4")
        u, usrc, ustatus = utilisation, "given with --utilisation (unverified)", Status.unverified
    run = need(yardsticks, RUN)
    assert run.gpu_hours is not None and run.gpu_hours_chip is not None
    run_chip = find_chip(run.gpu_hours_chip, chips)
    cluster = yardstick_cluster(need(yardsticks, CLUSTER), chips)
    statuses = [
        spec.status, ustatus, run.gpu_hours.status, run_chip.status, cluster.status,
        cluster.chip_status,
    ]  # fmt: skip
    status = weakest(statuses)
    cites = [r.text for r in ufig.references] if utilisation is None else []
    cites += [r.text for r in run.gpu_hours.references]
    hw = need(yardsticks, CLUSTER).hardware
    assert hw is not None
    cites += [r.text for r in hw.references]
    basis = TranslationBasis(
        chip=spec.id,
        chip_name=spec.name,
        chip_tpp=spec.tpp,
        chip_bf16_tflops=chip_measure(spec, Measure.bf16),
        utilisation=u,
        utilisation_source=usrc,
        window_years=window_years,
        run=run.id,
        run_title=run.short,
        run_measure_hours=float(run.gpu_hours.value) * run_chip.tpp,
        cluster=CLUSTER,
        cluster_title=need(yardsticks, CLUSTER).short,
        cluster_tpp=cluster.tpp,
        measure=Measure.tpp.value,
        status=status,
        citations=list(dict.fromkeys(cites)),
    )
    return Translator(basis, spec, status)


NEEDED = (RUN, CLUSTER, UTILISATION)  # what a translation rests on


def translator_for(
    project, chip: str | None = None, utilisation: float | None = None
) -> Translator | None:
    """The translation basis of a Project (service.Project): its chips, its yardsticks, and
    the window of its `assumptions.window_years` parameter. This is the one call other
    commands need (e.g. `pathways` gains: `translator_for(project, "B200")(gain_tpp)`).

    None when the rules folder has no yardsticks to translate into (an analyst's own
    `--rules` folder need not carry them: answers then come without translations); asking
    for a chip kind or a utilisation there is an error, never silently ignored."""
    from .quantify import WINDOW_PARAM

    ys = load_yardsticks(project.rules_dir)
    missing = [y for y in NEEDED if y not in ys]
    if missing:
        if chip is not None or utilisation is not None:
            raise TierscopeError(
                f"--in/--utilisation: this rules folder has no yardsticks/{missing[0]}.yaml, "
                "so answers cannot be translated"
            )
        return None
    window = project.rulebase.parameters.get(WINDOW_PARAM)
    years = window.values[window.dates[-1]].value if window is not None else None
    return translator(
        project.chips,
        ys,
        DEFAULT_CHIP if chip is None else chip,
        utilisation,
        years if isinstance(years, int) and years > 0 else 3,
    )


def sci(x: float) -> str:
    """1.2e25 style for FLOP counts."""
    if x == 0:
        return "0"
    e = math.floor(math.log10(abs(x)))
    return f"{x / 10**e:.1f}e{e}"


def growth_inputs(
    yardsticks: Mapping[str, Yardstick],
    months: float | None,
    gain: float | None,
    years: int,
) -> tuple[float, str, float, str, int]:
    """The growth options, each with its source: the cited default or 'given'."""
    dm, dfig = rate(yardsticks, DOUBLING)
    ag, afig = rate(yardsticks, ALGORITHMIC)
    for name, v in (("--demand-doubling-months", months), ("--algorithmic-gain", gain)):
        if v is not None and not (v > 0 and math.isfinite(v)):
            raise TierscopeError(f"{name} {v}: must be a positive number")
    msrc = (
        "given (unverified)"
        if months is not None
        else f"{dfig.references[0].title} ({dfig.status.value})"
    )
    gsrc = (
        "given (unverified)"
        if gain is not None
        else f"{afig.references[0].title} ({afig.status.value})"
    )
    return (months or dm, msrc, gain or ag, gsrc, years)


def chartable(yardsticks: Mapping[str, Yardstick]) -> list[Yardstick]:
    return [y for y in yardsticks.values() if y.chart and y.kind != "rate"]


def cluster_h100e(ys: Yardstick, chips: Mapping[str, ChipSpec]) -> float:
    """A cluster yardstick in H100-equivalents by TPP (for reference lines on charts)."""
    return yardstick_cluster(ys, chips).tpp / find_chip(DEFAULT_CHIP, chips).tpp


__all__ = [
    "Cluster",
    "Measure",
    "Translation",
    "TranslationBasis",
    "Translator",
    "load_yardsticks",
    "parse_cluster",
    "translator",
    "translator_for",
]


def check_yardsticks(checker) -> None:  # checker: check.checker.Checker (duck-typed: no cycle)
    """`tierscope check` for rules/yardsticks: each file validates, its id is its name, its
    chip lists name catalogue chips, and the yardsticks the translations need (run, cluster,
    utilisation, growth rates) are present. Every problem is a finding, none stops the rest."""
    folder = checker.rules / "yardsticks"
    if not folder.is_dir():
        return
    found: dict[str, Yardstick] = {}
    for path in _files(folder, recursive=False):
        checker.files += 1
        ys, data = load_named(Yardstick, path, "id", checker.problems)
        if ys is None:
            continue
        checker.loaded += 1
        found[ys.id] = ys
        texts = []
        if ys.hardware is not None:
            texts.append(("hardware", ys.hardware.value))
            texts += [("hardware", b.value) for b in (ys.hardware.low, ys.hardware.high) if b]
        if ys.gpu_hours_chip:
            texts.append(("gpu_hours_chip", f"1 x {ys.gpu_hours_chip}"))
        for key, text in texts:
            try:
                parse_order(str(text), checker.chips)
            except TierscopeError as exc:
                checker.add(
                    path, key_line(data, key), "error", "unknown-chip", f"{key}: {exc.message}"
                )
    for yid in (RUN, CLUSTER, UTILISATION, DOUBLING, ALGORITHMIC):
        if found and yid not in found:
            checker.add(folder, None, "warning", "missing-yardstick",
                        f"no {yid}.yaml: translations and growth options need it")  # fmt: skip
