"""Classification tasks: which sheet column is the label, its allowed values, which rows count.

Config (``tasks:`` in ``config/config.yaml``)::

    tasks:
      ideology:
        column: ideology            # label column of the sample sheet (default: the task name)
        values: [left, center, right]
        subset: labelled            # optional, see below

``subset`` says which rows of the sheet the task applies to:

- absent / ``null``: every row; an empty label is then an error;
- ``labelled``: the rows whose label is not empty (e.g. a task annotated for part of the corpus);
- ``{column: [value, ...], ...}``: the rows where each named column has one of the values
  (all conditions must hold); an empty label within those rows is an error.

Within the rows it applies to, every label must be one of ``values`` (compared after stripping
spaces) and every value needs at least 2 rows (:data:`MIN_PER_CLASS`); otherwise
:class:`~polimodal.errors.LabelError` names the task, the value and the sheet lines (the header is
line 1). Rows whose video is unavailable are then dropped (and counted, see :func:`task_labels`);
after that each value must still have :data:`MIN_PER_CLASS` rows. So must it after the videos in a
language the run does not keep (config ``languages``) are left out; a value that loses its rows
there is a :class:`~polimodal.errors.LabelError` naming ``languages``, how many videos of each
language the filter excluded, and the value lost.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.corpus.posts import DEFAULT_TEXT_COLUMNS
from polimodal.corpus.samples import read_sample_sheet, sheet_line
from polimodal.corpus.schemas import VIDEOS, read_parquet
from polimodal.errors import ConfigError, LabelError
from polimodal.extract.language import excluded_ids, excluded_languages
from polimodal.types import PathLike

log = logging.getLogger(__name__)

MIN_PER_CLASS = 2


@dataclass(frozen=True)
class Task:
    name: str
    column: str
    values: tuple[str, ...]
    subset: str | dict[str, tuple[str, ...]] | None = None

    @classmethod
    def from_config(cls, name: str, cfg: Mapping[str, Any]) -> Task:
        values = tuple(str(v).strip() for v in cfg.get("values") or ())
        if len(values) < 2 or len(set(values)) != len(values):
            raise ConfigError(
                f"task {name!r}: 'values' must list at least 2 distinct labels, got {list(values)}"
            )
        subset = cfg.get("subset")
        if isinstance(subset, Mapping):
            if not subset:
                raise ConfigError(f"task {name!r}: subset filter is empty")
            subset = {str(k): tuple(str(v).strip() for v in vs) for k, vs in subset.items()}
        elif subset not in (None, "labelled", "all"):
            raise ConfigError(
                f"task {name!r}: subset must be null, 'labelled' or a column filter, got {subset!r}"
            )
        if subset == "all":
            subset = None
        return cls(name=name, column=str(cfg.get("column") or name), values=values, subset=subset)

    @property
    def sheet_columns(self) -> tuple[str, ...]:
        """The sheet's columns the task reads: its labels' and its subset filter's."""
        subset = tuple(self.subset) if isinstance(self.subset, Mapping) else ()
        return (self.column, *subset)

    @property
    def binary(self) -> bool:
        return len(self.values) == 2


def tasks_from_config(config: Mapping[str, Any]) -> list[Task]:
    """The tasks of a config, in config order (``[]`` when there are none)."""
    return [Task.from_config(name, cfg or {}) for name, cfg in (config.get("tasks") or {}).items()]


def get_task(config: Mapping[str, Any], name: str) -> Task:
    for task in tasks_from_config(config):
        if task.name == name:
            return task
    raise ConfigError(f"task {name!r} is not in config (tasks: {list(config.get('tasks') or {})})")


def _lines(index: Iterable[int], sheet: pd.DataFrame, limit: int = 20) -> str:
    lines = [sheet_line(sheet, int(i)) for i in index]
    more = f" and {len(lines) - limit} more" if len(lines) > limit else ""
    return ", ".join(map(str, lines[:limit])) + more


@dataclass
class TaskLabels:
    """The labelled rows of a task: ``labels`` (video_id, label) of available videos only."""

    task: Task
    labels: pd.DataFrame  # columns video_id, label; in sheet order
    unavailable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["video_id", "label"]))

    def counts(self) -> dict[str, int]:
        vc = self.labels["label"].value_counts()
        return {v: int(vc.get(v, 0)) for v in self.task.values}


def task_labels(
    task: Task,
    sheet: pd.DataFrame,
    available: Iterable[str] | None = None,
    excluded: Mapping[str, str] | None = None,
) -> TaskLabels:
    """Validate ``task`` against the sample sheet and return its rows (see module docstring).

    ``sheet`` is :func:`polimodal.corpus.samples.read_sample_sheet`'s frame (row ``i`` = line ``i+2``).
    ``available``: ids of the videos that could be processed (``results/videos.parquet``);
    labelled rows of other videos go to ``TaskLabels.unavailable``. ``None``: all available.
    ``excluded``: video_id → language of the videos in a language the run does not keep (config
    ``languages``: :func:`polimodal.extract.language.excluded_languages`); their rows go to
    ``TaskLabels.unavailable`` too, and a value left with too few rows is an error naming them.
    """
    if task.column not in sheet.columns:
        raise LabelError(
            f"task {task.name!r}: label column {task.column!r} is not in the sample sheet "
            f"(columns: {list(sheet.columns)})"
        )
    sheet = sheet.reset_index(drop=True)
    labels = sheet[task.column].astype(str).str.strip()
    rows = pd.Series(True, index=sheet.index)
    if task.subset == "labelled":
        rows &= labels != ""
    elif isinstance(task.subset, dict):
        for col, values in task.subset.items():
            if col not in sheet.columns:
                raise LabelError(f"task {task.name!r}: subset column {col!r} is not in the sample sheet")
            rows &= sheet[col].astype(str).str.strip().isin(values)
    labels = labels[rows]
    bad = labels[~labels.isin(task.values)]
    if not bad.empty:
        parts = [
            f"{value!r} on line(s) {_lines(bad.index[bad == value], sheet)}"
            for value in list(dict.fromkeys(bad))[:10]
        ]
        hint = " (use subset: labelled to skip unlabelled rows)" if (bad == "").any() else ""
        raise LabelError(
            f"task {task.name!r}, column {task.column!r}: label(s) not in {list(task.values)}: "
            + "; ".join(parts)
            + hint
        )
    _check_min(task, labels, "in the sample sheet", sheet)
    df = pd.DataFrame({"video_id": sheet.loc[labels.index, "video_id"], "label": labels})
    if available is None and not excluded:
        return TaskLabels(task, df.reset_index(drop=True))
    ok = df["video_id"].isin(set(available)) if available is not None else pd.Series(True, index=df.index)
    kept = df[ok]
    if available is not None:
        _check_min(task, kept["label"], "among available videos", sheet)
    out = kept["video_id"].isin(set(excluded or ()))
    if excluded:
        _check_languages(task, kept, kept["video_id"].map(excluded), sheet)
    lost = pd.concat([df[~ok], kept[out]])
    return TaskLabels(task, kept[~out].reset_index(drop=True), lost.reset_index(drop=True))


def _per_language(languages: pd.Series) -> str:
    return ", ".join(f"{lang}: {n}" for lang, n in languages.value_counts().items())


def _check_languages(task: Task, rows: pd.DataFrame, languages: pd.Series, sheet: pd.DataFrame) -> None:
    """The ``languages`` filter (``languages``: each row's excluded language, NaN where kept) leaves
    every value of ``task`` :data:`MIN_PER_CLASS` rows: else a LabelError naming the filter, how
    many rows of each language it took, and each value lost. Logs what it took."""
    out = languages.notna()
    if not out.any():
        log.info("task %s: the languages filter excluded none of its videos", task.name)
        return
    log.info(
        "task %s: the languages filter excluded %d of its %d videos (%s)",
        task.name, int(out.sum()), len(rows), _per_language(languages[out]),
    )  # fmt: skip
    left = rows.loc[~out, "label"].value_counts()
    lost = []
    for value in task.values:
        n = int(left.get(value, 0))
        if n < MIN_PER_CLASS:
            taken = languages[out & (rows["label"] == value)]
            lost.append(
                f"value {value!r} has {n} example(s) left (at least {MIN_PER_CLASS} needed): the filter "
                f"took {len(taken)} ({_per_language(taken) or 'none'}; line(s) "
                f"{_lines(taken.index, sheet) or 'none'})"
            )
    if lost:
        raise LabelError(
            f"task {task.name!r}: config `languages` leaves a class with too few videos: it excluded "
            f"{int(out.sum())} of the task's {len(rows)} videos by their detected language "
            f"({_per_language(languages[out])}); "
            + "; ".join(lost)
            + ". Add those languages to `languages` (or set it to null), or change the task's values"
        )


def _check_min(task: Task, labels: pd.Series, where: str, sheet: pd.DataFrame) -> None:
    vc = labels.value_counts()
    for value in task.values:
        n = int(vc.get(value, 0))
        if n < MIN_PER_CLASS:
            rows = _lines(labels.index[labels == value], sheet) or "none"
            raise LabelError(
                f"task {task.name!r}: value {value!r} has {n} example(s) {where} (at least "
                f"{MIN_PER_CLASS} needed); line(s): {rows}"
            )


def data_table(task_labels_list: Iterable[TaskLabels]) -> pd.DataFrame:
    """The "Data" table: per task and value, N and % of the task's usable videos.

    Columns: ``task``, ``value``, ``n`` (available videos with that label), ``percent``
    (of the task's available videos, 1 decimal), ``n_unavailable`` (labelled but unavailable,
    excluded). Each task ends with a ``total`` row.
    """
    rows = []
    for tl in task_labels_list:
        counts = tl.counts()
        total = sum(counts.values())
        un = tl.unavailable["label"].value_counts() if not tl.unavailable.empty else pd.Series(dtype=int)
        for value in tl.task.values:
            n = counts[value]
            rows.append(
                {
                    "task": tl.task.name,
                    "value": value,
                    "n": n,
                    "percent": round(100 * n / total, 1) if total else 0.0,
                    "n_unavailable": int(un.get(value, 0)),
                }
            )
        rows.append(
            {
                "task": tl.task.name,
                "value": "total",
                "n": total,
                "percent": 100.0,
                "n_unavailable": len(tl.unavailable),
            }
        )
    return pd.DataFrame(rows, columns=["task", "value", "n", "percent", "n_unavailable"])


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (no extra dependency)."""
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_data_table(
    tasks: Iterable[Task],
    sheet: pd.DataFrame,
    available: Iterable[str] | None,
    csv_out: str | os.PathLike[str],
    md_out: str | os.PathLike[str] | None = None,
    excluded: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Validate every task and write the data table as CSV (and Markdown); ``excluded``: as in
    :func:`task_labels` (counted with the unavailable)."""
    available = None if available is None else set(available)
    df = data_table(task_labels(t, sheet, available, excluded) for t in tasks)
    Path(csv_out).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(csv_out, index=False)
    if md_out is not None:
        Path(md_out).write_text(to_markdown(df))
    return df


def available_videos(videos: PathLike, excluded: PathLike | None = None) -> list[str]:
    """Ids of the videos that could be processed (a VIDEOS table), less those of ``excluded``
    (the videos in a language the run does not keep, config ``languages``:
    :func:`polimodal.extract.language.write_excluded`)."""
    ids = read_parquet(videos, VIDEOS, columns=["video_id"]).column("video_id").to_pylist()
    if excluded is None:
        return ids
    drop = excluded_ids(excluded)
    log.info("%d video(s) left out: their language is not among the run's languages", len(drop))
    return [v for v in ids if v not in drop]


def language_exclusions(excluded: PathLike | None) -> dict[str, str]:
    """video_id → detected language of the videos in a language the run does not keep (the
    exclusion table, config ``languages``; empty without one), logged per language: what
    :func:`task_labels` takes as ``excluded``."""
    langs = excluded_languages(excluded)
    if excluded is not None:
        counts = pd.Series(list(langs.values()), dtype=object)
        log.info(
            "config languages: %d video(s) excluded by their detected language (%s)",
            len(langs), _per_language(counts) or "none",
        )  # fmt: skip
    return langs


def write_data_table_for_config(
    tasks_cfg: Mapping[str, Mapping[str, Any]],
    sheet: PathLike,
    videos: PathLike,
    *,
    csv_out: PathLike,
    md_out: PathLike | None = None,
    html_out: PathLike | None = None,
    excluded: PathLike | None = None,
    text_columns: Sequence[str] = DEFAULT_TEXT_COLUMNS,
    unavailable: PathLike | None = None,
    channels_summary: PathLike | None = None,
) -> pd.DataFrame:
    """Validate every task of ``tasks_cfg`` against the sheet and write the data table.

    ``excluded``: videos in a language the run does not keep (see :func:`available_videos`);
    ``text_columns``: a posts sheet's (config ``posts.text_columns``). With ``unavailable`` (the
    UNAVAILABLE table) the Markdown and HTML pages end with the availability rates of the
    videos, and of the channels when ``channels_summary`` (the listing summary of a run from a
    channels sheet) exists (:func:`polimodal.corpus.channel_videos.availability_rates`).
    """
    from polimodal.corpus.channel_videos import availability_rates

    tasks = [Task.from_config(name, cfg) for name, cfg in tasks_cfg.items()]
    available = available_videos(videos)
    sheet_df = read_sample_sheet(sheet, text_columns=text_columns)
    df = write_data_table(tasks, sheet_df, available, csv_out, md_out, language_exclusions(excluded))
    rates = availability_rates(videos, unavailable, channels_summary) if unavailable is not None else None
    if md_out is not None and rates is not None:
        with open(md_out, "a") as f:
            f.write(
                "\nAvailability (percent unavailable: could not be listed or fetched)\n\n"
                + to_markdown(rates)
            )
    if html_out is not None:
        html = df.to_html(index=False, border=0)
        if rates is not None:
            html += "\n<h4>Availability (percent unavailable: could not be listed or fetched)</h4>\n"
            html += rates.to_html(index=False, border=0)
        Path(html_out).write_text(html)
    log.info("data table of %d task(s):\n%s", len(tasks), df.to_string(index=False))
    if rates is not None:
        log.info("availability:\n%s", rates.to_string(index=False))
    return df
