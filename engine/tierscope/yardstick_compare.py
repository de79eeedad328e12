"""`tierscope yardstick CLUSTER --vs REF`: a cluster against a reference cluster or run.

Kept apart from `yardsticks` (the translation every `query` prints) so that a cold query
does not build these result models (each pydantic class costs start-up time).
"""

from collections.abc import Mapping

from .chips import find_chip
from .errors import TierscopeError
from .models.chip import ChipSpec
from .models.common import Status, weakest
from .models.result import ResultModel
from .models.yardstick import Yardstick
from .yardsticks import HOURS_PER_YEAR, Cluster, Measure, chip_measure, yardstick_cluster


class RunTime(ResultModel):
    """How long a reference run takes on a cluster, on one measure."""

    workload: str
    workload_title: str
    gpu_hours: float
    gpu_hours_chip: str
    hours: float
    days: float
    on_own_cluster_days: float | None
    status: Status


def run_time(
    ys: Yardstick, cluster: Cluster, chips: Mapping[str, ChipSpec], measure: Measure
) -> RunTime:
    """Hours of `ys` on `cluster`: GPU-hours x the run chip's measure / the cluster's."""
    assert ys.gpu_hours is not None and ys.gpu_hours_chip is not None
    hours_chip = find_chip(ys.gpu_hours_chip, chips)
    work = float(ys.gpu_hours.value) * chip_measure(hours_chip, measure)
    size = cluster.measure(measure)
    if size <= 0:
        raise TierscopeError("the cluster has no compute on this measure")
    hours = work / size
    own = yardstick_cluster(ys, chips).measure(measure) if ys.hardware else None
    return RunTime(
        workload=ys.id,
        workload_title=ys.title,
        gpu_hours=float(ys.gpu_hours.value),
        gpu_hours_chip=hours_chip.name,
        hours=hours,
        days=hours / 24,
        on_own_cluster_days=None if not own else work / own / 24,
        status=weakest([ys.gpu_hours.status, cluster.status, hours_chip.status]),
    )


class GrowthYear(ResultModel):
    year: int
    share_of_reference: float  # the cluster against a reference that grows with demand
    runs_equivalent: float | None  # reference-run equivalents per year, with algorithmic gain


class Growth(ResultModel):
    demand_doubling_months: float
    demand_source: str
    algorithmic_gain: float
    algorithmic_source: str
    years: list[GrowthYear]


class YardstickComparison(ResultModel):
    """`tierscope yardstick CLUSTER --vs REF`: both ways, on a stated measure."""

    cluster: str
    cluster_chips: str
    reference: str
    reference_title: str
    reference_chips: str
    measure: str
    measure_label: str
    cluster_value: float
    reference_value: float
    unit: str
    ratio: float  # cluster / reference
    inverse: float  # reference / cluster
    reference_range: tuple[float, float] | None = None  # ratio against the low/high ends
    run: RunTime | None = None  # the reference's own run on the cluster, if it is a run
    runs_per_year: float | None = None
    growth: Growth | None = None
    status: Status
    citations: list[str]


def compare_yardstick(
    cluster: Cluster,
    ref: Yardstick,
    chips: Mapping[str, ChipSpec],
    measure: Measure = Measure.tpp,
    growth: tuple[float, str, float, str, int] | None = None,
) -> YardstickComparison:
    """`cluster` against the hardware of `ref` (and against its run, if it is a workload)."""
    if ref.kind == "rate":
        raise TierscopeError(f"{ref.id} is a rate, not a cluster or training run")
    ref_cluster = yardstick_cluster(ref, chips)
    a, b = cluster.measure(measure), ref_cluster.measure(measure)
    if a <= 0 or b <= 0:
        raise TierscopeError("nothing to compare: a cluster has no compute on this measure")
    assert ref.hardware is not None
    rng = None
    if ref.hardware.low is not None and ref.hardware.high is not None:
        lo = yardstick_cluster(ref, chips, "low").measure(measure)
        hi = yardstick_cluster(ref, chips, "high").measure(measure)
        rng = (a / hi, a / lo)
    run = run_time(ref, cluster, chips, measure) if ref.kind == "workload" else None
    runs_per_year = HOURS_PER_YEAR / run.hours if run else None
    statuses = [cluster.status, cluster.chip_status, ref_cluster.status, ref_cluster.chip_status]
    if run:
        statuses.append(run.status)
    g = None
    if growth is not None:
        months, msrc, gain, gsrc, years = growth
        g = Growth(
            demand_doubling_months=months,
            demand_source=msrc,
            algorithmic_gain=gain,
            algorithmic_source=gsrc,
            years=[
                GrowthYear(
                    year=y,
                    share_of_reference=a / b / 2 ** (12 * y / months),
                    runs_equivalent=None if runs_per_year is None else runs_per_year * gain**y,
                )
                for y in range(years + 1)
            ],
        )
    cites = [r.text for f in ref.figures().values() for r in f.references]
    return YardstickComparison(
        cluster=cluster.label,
        cluster_chips=cluster.describe(),
        reference=ref.id,
        reference_title=ref.title,
        reference_chips=ref_cluster.describe(),
        measure=measure.value,
        measure_label=measure.label,
        cluster_value=a,
        reference_value=b,
        unit=measure.unit,
        ratio=a / b,
        inverse=b / a,
        reference_range=rng,
        run=run,
        runs_per_year=runs_per_year,
        growth=g,
        status=weakest(statuses),
        citations=list(dict.fromkeys(cites)),
    )
