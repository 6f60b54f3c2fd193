"""What a run will cost before it runs: jobs per stage, CPU core-hours, GPU-hours, scratch and
stored bytes (``polimodal plan``), from the config and the sample sheet.

The jobs are Snakemake's: :func:`dag_jobs` asks it for its DAG (``snakemake -n --forceall``, in a
subprocess with the user's config); :func:`plan` prices them. Snakemake plans up to checkpoint
``choose_models`` (which models classify the corpus is known once the models are compared), so the
classification jobs that follow it are added here: per task, the ``classify:`` models (``best``: one,
counted as the costliest candidate) x shards, in the rule their kind declares
(:attr:`~polimodal.models.registry.ModelKind.rule_suffix`), and one gather per task x model.
Hours of video are the sheet's rows x a mean duration (``minutes_per_video``), or the mean of the
known durations in ``results/videos.parquet`` once the metadata table exists.

Every cost lives on its registry entry: a stage's on :data:`polimodal.stages.STAGES`, a model kind's
on :data:`polimodal.models.registry.KINDS` (``ModelKind.cost``). A rule without a stage, or a kind
without a cost, is a ConfigError naming it.
"""

from polimodal.plan.dag import dag_jobs, parse_job_stats, workflow_config
from polimodal.plan.pricing import Plan, StageRow, kind_cost, plan
from polimodal.plan.table import format_plan, format_sources
from polimodal.stages import COSTS, MB

__all__ = [
    "COSTS",
    "MB",
    "Plan",
    "StageRow",
    "dag_jobs",
    "format_plan",
    "format_sources",
    "kind_cost",
    "parse_job_stats",
    "plan",
    "workflow_config",
]
