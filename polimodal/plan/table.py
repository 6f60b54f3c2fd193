"""The plan as a readable table, and the sources of the costs it used (``polimodal plan``)."""

from __future__ import annotations

from polimodal.plan.pricing import Plan
from polimodal.stages import KindCost


def _bytes(b: float) -> str:
    for unit, size in (("PB", 1e15), ("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if b >= size:
            return f"{b / size:,.1f} {unit}"
    return f"{b / 1e3:,.0f} kB" if b else "-"


def _hours(h: float) -> str:
    if not h:
        return "-"
    return f"{h:,.0f}" if h >= 10 else f"{h:,.2f}"


def format_plan(p: Plan) -> str:
    """The plan as a readable table (``*``: contains estimates)."""
    shards = f"shard_size {p.shard_size}: {p.shards:,} shards"
    if p.corpus == "posts":  # images are counted from the sheet; durations play no part
        head = f"{p.n_videos:,} posts; {shards}"
    else:
        head = (
            f"{p.n_videos:,} videos x {p.minutes_per_video:.1f} min ({p.duration_source}) = "
            f"{p.hours:,.0f} h of video; {shards}"
        )
    lines = [head, ""]
    cols = ("stage", "jobs", "CPU core-h", "GPU-h", "stored")
    table = []
    for r in p.rows:
        core = _hours(r.core_hours)
        table.append(
            (
                r.stage + (" *" if r.estimate else ""),
                f"{r.jobs:,}",
                f"({core})" if r.either and r.core_hours else core,
                _hours(r.gpu_hours),
                _bytes(r.stored_bytes),
            )
        )
    t = p.totals()
    totals = [
        (
            "total",
            f"{t['jobs']:,}",
            _hours(t["core_hours"]),
            _hours(t["gpu_hours"]),
            _bytes(t["stored_bytes"]),
        ),
        ("total, all on CPUs", "", _hours(t["core_hours_cpu_only"]), _hours(t["gpu_hours_cpu_only"]), ""),
    ]
    widths = [max(len(str(x[i])) for x in [cols, *table, *totals]) for i in range(len(cols))]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
    rule = fmt.format(*("-" * w for w in widths))
    lines += [fmt.format(*cols), rule, *(fmt.format(*row) for row in table), rule]
    lines += [fmt.format(*row) for row in totals]
    lines.append("")
    lines.append(
        "(core-h): transcribe and embed run on a GPU (GPU-h; the SLURM profile's GPU partition) or on "
        "CPUs (core-h in brackets); the total counts the GPU, the line below it the CPUs."
    )
    if p.corpus != "posts":
        lines.append(
            f"scratch per running ingest job: {_bytes(p.scratch_bytes)} (media of "
            + ("its whole shard: ingest.keep_media" if p.keep_media else "one video at a time")
            + f"); downloaded in all: {_bytes(p.download_bytes)} (download time not included)"
        )
    notes = []
    for r in p.rows:
        parts = [", ".join(f"{k} {v:,}" for k, v in r.rules.items())] if len(r.rules) > 1 else []
        parts += [r.note] if r.note else []
        if parts:
            notes.append(f"  {r.stage}: {'; '.join(parts)}")
    lines += ["notes:", *notes] if notes else []
    lines.append("* contains estimates (not measured); each number's source: polimodal plan --sources")
    return "\n".join(line.rstrip() for line in lines)


def format_sources(p: Plan) -> str:
    lines = []
    for key, c in p.costs.items():
        if isinstance(c, KindCost):
            value = f"train {c.train_s:g} s/video/epoch, classify {c.classify_s:g} s/video"
            value += f", {c.checkpoint_mb:g} MB"
        else:
            value = f"{c.value:g} {c.unit}"
        lines.append(f"{key:<24} {value:<58} {'measured' if c.measured else 'ESTIMATE'}: {c.source}")
    return "\n".join(lines)
