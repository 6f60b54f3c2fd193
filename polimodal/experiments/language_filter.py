"""Config ``languages`` checked at start-up against the languages known then.

A first run knows no language until its jobs detect them; a rerun knows those an earlier run
recorded, and a sheet may carry a ``language`` column. Where they are known, a ``languages``
filter that would leave a task without one of its classes stops the run before any job
(:func:`check_language_filter`, called where the workflow gathers the corpus, ``gather.smk``);
the splits job checks the same with the detected languages in any case.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from polimodal.experiments.tasks import Task, task_labels
from polimodal.types import PathLike

log = logging.getLogger(__name__)


def known_languages(
    sheet: pd.DataFrame, recorded: PathLike | None = None
) -> tuple[dict[str, tuple[str | None, float | None]], str]:
    """The languages of the sheet's videos known before any job, and where they come from: those an
    earlier run recorded (``recorded``, a TRANSCRIPTS table, where it exists), else the sheet's
    ``language`` column (where it has one and a row fills it). video_id → (language, probability)."""
    ids = set(sheet["video_id"].astype(str))
    found: dict[str, tuple[str | None, float | None]] = {}
    sources = []
    if "language" in sheet.columns:
        for vid, lang in zip(sheet["video_id"].astype(str), sheet["language"], strict=True):
            code = str(lang).strip().lower() if isinstance(lang, str) else ""
            if code:
                found[vid] = (code, None)
        if found:
            sources.append("the sheet's language column")
    if recorded is not None and Path(recorded).is_file():
        from polimodal.corpus.schemas import TRANSCRIPTS, read_parquet
        from polimodal.extract.language import LANGUAGE_COLUMNS

        rows = read_parquet(recorded, TRANSCRIPTS, columns=LANGUAGE_COLUMNS).to_pylist()
        said = {
            r["video_id"]: (r["language"], r["language_probability"]) for r in rows if r["video_id"] in ids
        }
        if said:
            found.update(said)
            sources.insert(0, f"the languages recorded in {recorded} by an earlier run")
    return found, " and ".join(sources)


def check_language_filter(
    config: Mapping[str, Any], sheet: pd.DataFrame, recorded: PathLike | None = None, *, in_job: bool = False
) -> None:
    """Config ``languages`` leaves every task each of its values, where the languages are known at
    start-up (:func:`known_languages`; a first run without a ``language`` column knows none, and
    the splits job checks the same with the detected languages). Logs what the filter would
    exclude per language; a task that would lose a class: LabelError naming ``languages``, the
    videos excluded per language, the value lost, and where the languages come from. Skipped in a
    job (a cluster job parses the workflow again, while the run writes ``recorded``)."""
    from polimodal.errors import LabelError
    from polimodal.extract.language import excluded_languages_of, language_summary

    keep = config.get("languages")
    if keep is None or in_job:
        return
    languages, source = known_languages(sheet, recorded)
    if not languages:
        return
    log.info("config %s, by %s", language_summary(languages, keep), source)
    excluded = excluded_languages_of(languages, keep)
    for name, cfg in (config.get("tasks") or {}).items():
        try:
            task_labels(Task.from_config(name, cfg or {}), sheet, excluded=excluded)
        except LabelError as exc:
            raise LabelError(f"{exc} (languages known at start-up: {source})") from None
