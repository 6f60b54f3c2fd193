"""Statistics of the aligned table: pitch of the matching words by group, the highest-pitched words.

- :func:`pitch_by_group`: pitch of the words (or segments) that match a pattern — a regex or a
  word list — grouped by any column(s) of the sample sheet, with the mean, sd and a 95 %
  confidence interval (t distribution), optionally beside the other words of the same groups
  as the reference.
- :func:`highest_pitch`: the reverse direction: the words said at the highest relative pitch.

The measure is a column of the ALIGNED table (default ``f0_mean_z``: speaker-relative pitch).
Intervals are over the units of ``level``: ``word`` (each matching word counts once; words of
one video are not independent, so these intervals are optimistic) or ``video`` (each video's
mean first, then the interval over videos: the conservative choice for inference).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from polimodal.align.matching import select
from polimodal.errors import ConfigError

#: Columns of the :func:`pitch_by_group` table after the group columns.
RESULT_COLUMNS = ["matches", "n", "n_videos", "mean", "sd", "ci_low", "ci_high"]
LEVELS = ("word", "video")


def _interval(values: np.ndarray) -> tuple[float, float, float, float]:
    from scipy import stats

    values = values[np.isfinite(values)]
    n = len(values)
    if n == 0:
        return (np.nan,) * 4  # type: ignore[return-value]
    mean = float(values.mean())
    if n == 1:
        return mean, np.nan, np.nan, np.nan
    sd = float(values.std(ddof=1))
    half = float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))
    return mean, sd, mean - half, mean + half


#: A group (``query.by``) or random effect (``query.cluster``) from the aligned table, not the sheet:
#: the diarized speaker (config ``speakers``), ``<video_id>:<speaker>`` as speakers are local to a
#: video; words outside every turn are left out.
VIDEO_SPEAKER = "video_speaker"


def measured_units(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame | None,
    columns: Sequence[str],
    pattern: str | None,
    words: Sequence[str] | None,
    *,
    unit: str,
    measure: str,
) -> pd.DataFrame:
    """The words/segments with a value of ``measure``, a ``matches`` column and the sheet's ``columns``.

    The rows every pitch statistic starts from (:func:`pitch_by_group`, the estimate of
    :mod:`polimodal.align.estimate`); ``video_id`` needs no sheet.
    """
    table = select(aligned, pattern, words, unit=unit)
    if measure not in table.columns:
        known = [c for c in table.columns if c.startswith(("f0_", "intensity"))]
        raise ConfigError(f"query measure {measure!r} is not a column of the aligned table; one of {known}")
    columns = [c for c in dict.fromkeys(columns) if c != "video_id"]
    if VIDEO_SPEAKER in columns:
        if "speaker" not in table.columns or table["speaker"].isna().all():
            raise ConfigError(
                f"query by/cluster {VIDEO_SPEAKER!r} needs the aligned words' speakers: "
                "diarization (config speakers.enabled: true)"
            )
        table = table[table["speaker"].notna()].copy()
        table[VIDEO_SPEAKER] = table["video_id"].astype(str) + ":" + table["speaker"].astype(str)
        columns.remove(VIDEO_SPEAKER)
    if columns:
        if sheet is None:
            raise ConfigError(f"grouping by {columns} needs the sample sheet")
        missing = [c for c in columns if c not in sheet.columns]
        if missing:
            raise ConfigError(
                f"group column(s) {missing} not in the sample sheet (columns: {list(sheet.columns)})"
            )
        cols = sheet[["video_id", *columns]].astype({"video_id": str})
        # a sheet column wins over an aligned one of the same name (the diarized `speaker`: the
        # sheet's names the person; the diarized one is `video_speaker`)
        table = table.drop(columns=[c for c in columns if c in table.columns])
        table = table.merge(cols, on="video_id", how="left")
    return table[np.isfinite(table[measure].astype(float))].copy()


def pitch_by_group(
    aligned: pd.DataFrame,
    sheet: pd.DataFrame | None,
    by: Sequence[str] | str = (),
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    unit: str = "word",
    measure: str = "f0_mean_z",
    level: str = "word",
    reference: bool = True,
) -> pd.DataFrame:
    """Pitch of the matching words/segments per group of the sheet's ``by`` column(s).

    Returns one row per group (and, with ``reference``, one more per group for the words that do
    *not* match, ``matches`` False): group columns, then :data:`RESULT_COLUMNS`. Units without a
    value of ``measure`` (unvoiced words) are left out. ``sheet`` may be None when ``by`` is empty.
    """
    by = [by] if isinstance(by, str) else list(by)
    if level not in LEVELS:
        raise ConfigError(f"query level {level!r}: one of {list(LEVELS)}")
    table = measured_units(aligned, sheet, by, pattern, words, unit=unit, measure=measure)
    if not reference:
        table = table[table["matches"]]
    keys = [*by, "matches"]
    rows = []
    for key, part in table.groupby(keys, sort=True, dropna=False):
        values = part[measure].astype(float)
        if level == "video":
            values = values.groupby(part["video_id"]).mean()
        mean, sd, lo, hi = _interval(values.to_numpy())
        key = key if isinstance(key, tuple) else (key,)
        rows.append([*key, len(part), part["video_id"].nunique(), mean, sd, lo, hi])
    out = pd.DataFrame(rows, columns=[*by, *RESULT_COLUMNS])
    out["matches"] = out["matches"].astype(bool)
    return out.sort_values([*by, "matches"], ascending=[True] * len(by) + [False], ignore_index=True)


def highest_pitch(
    aligned: pd.DataFrame, n: int = 20, *, measure: str = "f0_mean_z", min_voiced: int = 3
) -> pd.DataFrame:
    """The ``n`` words said at the highest ``measure`` (words with at least ``min_voiced`` voiced frames)."""
    table = aligned[(aligned["n_voiced"] >= min_voiced) & aligned[measure].notna()]
    cols = ["video_id", "segment_id", "word_idx", "word", "start", "end", measure, "f0_mean", "frame_idx"]
    cols = list(dict.fromkeys(cols))
    return table.sort_values(measure, ascending=False).head(n)[cols].reset_index(drop=True)
