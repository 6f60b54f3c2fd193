"""Results by group: metrics and corpus label distributions broken down by any sheet column.

A political scientist asks whether a classifier works as well for every channel, country, language
or year, and what it finds in each. Both questions are answered here from tables the workflow
already writes (test predictions, the corpus classification) joined on ``video_id`` with the
columns of the sample sheet (for posts: the post id, which the tables store as ``video_id``).

- :func:`metrics_by_group`: per task × model × group column × group value, the test macro F1
  (mean ± sd over folds) with its ``n`` (distinct test videos of the group). Macro F1 inside a
  group averages over the classes that occur in the group (true or predicted): a group that holds
  only one class of a task is not scored as if the other classes had been missed.
- :func:`distribution_by_group`: per task × model × group column × group value × predicted value,
  the number and share of the group's classified videos.

Small groups are kept and marked (``too_small``: fewer than ``min_n`` videos, or a single true
class), never dropped, so a reader sees that a group was too small to say anything.
A missing cell is its own group, ``(missing)``. ``language`` may be named without a sheet column of
that name: each video's (or post's) detected language from the TRANSCRIPTS table is used.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from polimodal.corpus.experiment_schemas import CLASSIFIED
from polimodal.corpus.schemas import TRANSCRIPTS, read_parquet
from polimodal.errors import ConfigError
from polimodal.experiments.metrics import read_predictions
from polimodal.models.selection import macro_f1
from polimodal.types import PathLike

log = logging.getLogger(__name__)
#: A group column that need not be in the sheet: each text's detected language (TRANSCRIPTS).
LANGUAGE = "language"

MISSING = "(missing)"
GROUP_METRIC_COLUMNS = [
    "task",
    "model",
    "modality",
    "group_by",
    "group",
    "n",
    "n_folds",
    "macro_f1_mean",
    "macro_f1_sd",
    "too_small",
    "macro_f1",
]
GROUP_DISTRIBUTION_COLUMNS = ["task", "model", "group_by", "group", "value", "n", "percent", "group_n"]


def group_values(sheet: pd.DataFrame, by: Sequence[str], id_column: str = "video_id") -> pd.DataFrame:
    """``video_id`` plus one string column per name in ``by`` (missing cells → ``(missing)``).

    ``sheet`` is the sample sheet as read (one row per video or post); a name it lacks is a
    :class:`ConfigError` that lists the columns it has.
    """
    if id_column not in sheet.columns:
        raise ConfigError(f"results by group: the sheet has no {id_column!r} column")
    missing = [c for c in by if c not in sheet.columns]
    if missing:
        raise ConfigError(
            f"results by group: no column {', '.join(map(repr, missing))} in the sheet "
            f"(it has: {', '.join(map(str, sheet.columns))})"
        )
    out = pd.DataFrame({"video_id": sheet[id_column].astype(str)})
    for col in by:
        values = sheet[col]
        text = values.map(_as_text)
        out[col] = text.where(values.notna() & (text != ""), MISSING)
    return out.drop_duplicates("video_id", keep="first").reset_index(drop=True)


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():  # a year read as 2019.0
        return str(int(value))
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def metrics_by_group(
    predictions: pd.DataFrame,
    groups: pd.DataFrame,
    by: Sequence[str],
    modalities: Mapping[str, str] | None = None,
    split: str = "test",
    min_n: int = 10,
) -> pd.DataFrame:
    """Macro F1 by group, mean ± sd over folds (columns :data:`GROUP_METRIC_COLUMNS`).

    ``predictions`` has the PREDICTIONS columns (``task, model, fold, video_id, split, label,
    predicted``); ``groups`` is :func:`group_values` of the sheet. Videos without a sheet row fall
    in ``(missing)``.
    """
    modalities = modalities or {}
    preds = predictions[predictions["split"] == split]
    if preds.empty or not by:
        return pd.DataFrame(columns=GROUP_METRIC_COLUMNS)
    joined = preds.merge(groups, on="video_id", how="left")
    rows = []
    for col in by:
        joined[col] = joined[col].fillna(MISSING)
        for (task, model, value), g in joined.groupby(["task", "model", col], sort=True):
            per_fold = []
            for _, f in g.groupby("fold", sort=True):
                classes = sorted(set(f["label"]) | set(f["predicted"]))
                per_fold.append(macro_f1(f["label"].tolist(), f["predicted"].tolist(), classes))
            n = int(g["video_id"].nunique())
            mean = float(np.mean(per_fold))
            sd = float(np.std(per_fold, ddof=1)) if len(per_fold) > 1 else 0.0
            too_small = n < min_n or g["label"].nunique() < 2
            text = f"{mean:.3f} ± {sd:.3f}"
            if too_small:
                text += f" (too small: n={n}" + (", one class)" if g["label"].nunique() < 2 else ")")
            rows.append(
                {
                    "task": task,
                    "model": model,
                    "modality": modalities.get(model, ""),
                    "group_by": col,
                    "group": value,
                    "n": n,
                    "n_folds": len(per_fold),
                    "macro_f1_mean": mean,
                    "macro_f1_sd": sd,
                    "too_small": bool(too_small),
                    "macro_f1": text,
                }
            )
    return pd.DataFrame(rows, columns=GROUP_METRIC_COLUMNS)


def distribution_by_group(classified: pd.DataFrame, groups: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The corpus classification's predicted values per group (columns :data:`GROUP_DISTRIBUTION_COLUMNS`).

    ``classified`` has the CLASSIFIED columns ``video_id, task, model, predicted``.
    """
    if classified.empty or not by:
        return pd.DataFrame(columns=GROUP_DISTRIBUTION_COLUMNS)
    joined = classified.merge(groups, on="video_id", how="left")
    rows = []
    for col in by:
        joined[col] = joined[col].fillna(MISSING)
        for (task, model, value), g in joined.groupby(["task", "model", col], sort=True):
            total = len(g)
            for predicted, p in g.groupby("predicted", sort=True):
                rows.append(
                    {
                        "task": task,
                        "model": model,
                        "group_by": col,
                        "group": value,
                        "value": predicted,
                        "n": len(p),
                        "percent": round(100 * len(p) / total, 1),
                        "group_n": total,
                    }
                )
    return pd.DataFrame(rows, columns=GROUP_DISTRIBUTION_COLUMNS)


def sheet_groups(sheet: pd.DataFrame, by: Sequence[str], transcripts: PathLike | None = None) -> pd.DataFrame:
    """:func:`group_values` of the sheet, with ``language`` from ``transcripts`` when the sheet lacks it."""
    detected = LANGUAGE in by and LANGUAGE not in sheet.columns
    groups = group_values(sheet, [c for c in by if not (detected and c == LANGUAGE)])
    if detected:
        if transcripts is None:
            raise ConfigError("results by language need the transcripts table (the detected languages)")
        t = read_parquet(transcripts, TRANSCRIPTS, columns=["video_id", "language"]).to_pandas()
        t["language"] = t["language"].fillna("").replace("", MISSING)
        groups = groups.merge(t, on="video_id", how="left")
        groups[LANGUAGE] = groups[LANGUAGE].fillna(MISSING)
    return groups


def write_results_by_group(
    predictions: Sequence[PathLike],
    sheet: pd.DataFrame,
    by: Sequence[str],
    *,
    csv_out: PathLike,
    html_out: PathLike,
    modalities: Mapping[str, str] | None = None,
    transcripts: PathLike | None = None,
    min_n: int = 10,
) -> pd.DataFrame:
    """Test macro F1 by group (:func:`metrics_by_group`) as CSV and HTML."""
    groups = sheet_groups(sheet, by, transcripts)
    table = metrics_by_group(read_predictions(predictions), groups, by, modalities, min_n=min_n)
    Path(csv_out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv_out, index=False)
    Path(html_out).write_text(_html(table.drop(columns=["macro_f1_mean", "macro_f1_sd"]), by))
    log.info("test macro F1 by %s:\n%s", ", ".join(by) or "nothing", table.to_string(index=False))
    return table


def write_classified_by_group(
    classified: Sequence[PathLike],
    sheet: pd.DataFrame,
    by: Sequence[str],
    *,
    csv_out: PathLike,
    html_out: PathLike,
    transcripts: PathLike | None = None,
) -> pd.DataFrame:
    """The corpus classification's labels by group (:func:`distribution_by_group`) as CSV and HTML."""
    groups = sheet_groups(sheet, by, transcripts)
    parts = [
        read_parquet(p, CLASSIFIED, columns=["video_id", "task", "model", "predicted"]).to_pandas()
        for p in classified
    ]
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["video_id", "task", "model", "predicted"])
    )
    table = distribution_by_group(frame, groups, by)
    Path(csv_out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(csv_out, index=False)
    Path(html_out).write_text(_html(table, by))
    return table


def _html(table: pd.DataFrame, by: Sequence[str]) -> str:
    if table.empty:
        what = ", ".join(by) if by else "no column (experiments.group_by is empty)"
        return f"<p>Nothing to break down by {what}.</p>"
    return table.to_html(index=False, border=0)
