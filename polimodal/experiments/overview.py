"""The report's overview: what was done and what came out, on one page.

The report's front page (``workflow/report/workflow.rst``) describes the run from the config; this
page gives its outcome from the tables: how many channels (a run from a channels sheet) and videos
(or posts) were available, with the rates, and why the others were not, per task the best model on
the test split (mean ± sd over folds) and every model of the task ranked, and how much of the
corpus the chosen models classified.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from polimodal.corpus.channel_videos import availability_rates
from polimodal.corpus.experiment_schemas import CLASSIFIED
from polimodal.corpus.schemas import UNAVAILABLE, VIDEOS, read_parquet
from polimodal.extract.language import EXCLUDED_KIND
from polimodal.types import PathLike


def availability(videos: PathLike, unavailable: PathLike) -> pd.DataFrame:
    """One row per outcome: ``available``, ``excluded: language`` (config ``languages``: processed,
    but in a language the run does not keep) and each unavailability kind, with n and percent of
    the sheet. A usable video (post) that lacks a part (an image, its text) counts as available."""
    ok = set(read_parquet(videos, VIDEOS, columns=["video_id"]).column("video_id").to_pylist())
    gone = read_parquet(unavailable, UNAVAILABLE, columns=["video_id", "kind"]).to_pandas()
    excluded = set(gone.video_id[gone.kind == EXCLUDED_KIND]) & ok
    gone = gone[~gone.video_id.isin(ok)].drop_duplicates("video_id")
    rows = [("available", len(ok) - len(excluded))]
    rows += [("excluded: language", len(excluded))] if excluded else []
    rows += [(f"unavailable: {k}", len(g)) for k, g in gone.groupby("kind", sort=True)]
    total = len(ok) + len(gone)
    return pd.DataFrame(
        [{"outcome": o, "n": n, "percent": round(100 * n / total, 1) if total else 0.0} for o, n in rows]
    )


def best_models(table: pd.DataFrame) -> pd.DataFrame:
    """Per task the model with the best test macro F1 (mean over folds; ties: the smaller sd)."""
    t = table.sort_values(
        ["task", "macro_f1_mean", "macro_f1_sd"], ascending=[True, False, True], kind="stable"
    )
    return (
        t.groupby("task", sort=True).head(1)[["task", "model", "modality", "macro_f1"]].reset_index(drop=True)
    )


def classified_counts(classified: Sequence[PathLike]) -> pd.DataFrame:
    """Per task × model the number of videos the corpus classification labelled."""
    rows = []
    for path in classified:
        t = read_parquet(path, CLASSIFIED, columns=["task", "model", "lacks"]).to_pandas()
        for (task, model), g in t.groupby(["task", "model"], sort=True):
            lacking = int(sum(len(x) > 0 for x in g["lacks"]))
            rows.append({"task": task, "model": model, "videos": len(g), "lacking_input": lacking})
    return pd.DataFrame(rows, columns=["task", "model", "videos", "lacking_input"])


def write_overview(
    table: PathLike,
    videos: PathLike,
    unavailable: PathLike,
    classified: Sequence[PathLike],
    html_out: PathLike,
    channels_summary: PathLike | None = None,
) -> str:
    """The overview page (HTML) from the summary table, the corpus tables and the classified tables
    (and the channels listing summary of a run from a channels sheet)."""
    summary = pd.read_csv(table, keep_default_na=False)
    parts = [
        "<h2>What came out</h2>",
        "<h3>Availability (channels, videos or posts)</h3>",
        availability_rates(videos, unavailable, channels_summary).to_html(index=False, border=0),
        "<h3>Videos (or posts) of the sheet</h3>",
        availability(videos, unavailable).to_html(index=False, border=0),
        "<h3>Best model per task (test macro F1, mean ± sd over folds)</h3>",
        best_models(summary).to_html(index=False, border=0) if len(summary) else "<p>No model ran.</p>",
        "<h3>Every model, per task</h3>",
        summary[["task", "model", "modality", "n_folds", "macro_f1"]].to_html(index=False, border=0),
        "<h3>The corpus, classified by the chosen models</h3>",
    ]
    counts = classified_counts(classified)
    parts.append(
        counts.to_html(index=False, border=0)
        if len(counts)
        else "<p>No corpus classification in this run.</p>"
    )
    page = "<html><head><meta charset='utf-8'><title>polimodal overview</title></head><body>"
    page += "\n".join(parts) + "</body></html>"
    Path(html_out).parent.mkdir(parents=True, exist_ok=True)
    Path(html_out).write_text(page)
    return page
