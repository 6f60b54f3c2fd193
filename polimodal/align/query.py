"""Cross-modal queries over the aligned table (the AfD analysis of Arnold & Küpfer, by hand).

- :func:`read_aligned`: the ALIGNED rows of a results folder or of shard files;
- :func:`frames_while_said`: the frames shown while a term is said (for a contact sheet);
- :class:`QueryOptions` / :func:`run_query`: the ``query`` config section, and the report's query:
  the table of :func:`polimodal.align.stats.pitch_by_group`, its figure
  (:func:`polimodal.align.plots.plot_pitch_by_group`), the highest-pitched words and a contact sheet.

Which words match: :mod:`polimodal.align.matching`; the statistics: :mod:`polimodal.align.stats`;
the figures: :mod:`polimodal.align.plots`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from polimodal.align.matching import UNITS, select, word_matcher
from polimodal.align.plots import contact_sheet, plot_pitch_by_group
from polimodal.align.stats import LEVELS, highest_pitch, pitch_by_group
from polimodal.corpus.rows import read_videos
from polimodal.corpus.schemas import ALIGNED
from polimodal.errors import ConfigError
from polimodal.options import choice, options_from_section
from polimodal.types import PathLike

log = logging.getLogger(__name__)


def read_aligned(where: PathLike | Sequence[PathLike]) -> pd.DataFrame:
    """The ALIGNED rows of a results folder (``<where>/aligned/*.parquet``), a folder of shard
    files, or a list of files."""
    if isinstance(where, str | Path):
        where = Path(where)
        if where.is_file():
            paths = [where]
        else:
            folder = where / "aligned" if (where / "aligned").is_dir() else where
            paths = sorted(folder.glob("*.parquet"))
    else:
        paths = [Path(p) for p in where]
    if not paths:
        raise ConfigError(f"{where}: no aligned table (results/aligned/*.parquet) found")
    for p in paths:  # a results folder without aligned/ holds other tables (videos.parquet, ...)
        missing = [c for c in ("video_id", "word") if c not in pq.read_schema(p).names]
        if missing:
            raise ConfigError(
                f"{where}: no aligned tables: {p} is not one (no column(s) {missing}); the align rule "
                "writes them to results/aligned/ (videos corpus only)"
            )
    tables = [pq.read_table(p).to_pandas() for p in paths]
    return pd.concat(tables, ignore_index=True) if tables else ALIGNED.empty_table().to_pandas()


def read_frames_of(frames: Sequence[PathLike], video_ids: Sequence[str]) -> Iterator[tuple[str, int, bytes]]:
    """``(video_id, frame_idx, jpeg)`` of the FRAMES rows of ``video_ids`` (rows without a JPEG left
    out), read with the one row selection (:func:`polimodal.corpus.rows.read_videos`)."""
    for path in frames:
        t = read_videos(path, list(video_ids), ["video_id", "frame_idx", "jpeg"])
        for v, f, j in zip(
            *(t.column(c).to_pylist() for c in ("video_id", "frame_idx", "jpeg")), strict=True
        ):
            if j is not None:
                yield v, f, j


def frames_while_said(
    aligned: pd.DataFrame,
    frames: Sequence[PathLike],
    pattern: str | None = None,
    words: Sequence[str] | None = None,
    *,
    max_frames: int = 16,
) -> list[tuple[str, bytes]]:
    """``(caption, jpeg)`` of the kept frames shown while a matching word is said (each frame once,
    in order of first mention; at most ``max_frames``). ``frames``: FRAMES files (e.g. every shard's)."""
    hits = select(aligned, pattern, words)
    hits = hits[hits["matches"] & hits["frame_idx"].notna()]
    wanted = hits.drop_duplicates(["video_id", "frame_idx"]).head(max_frames)
    if wanted.empty:
        return []
    keys = {
        (v, int(f)): w
        for v, f, w in zip(wanted["video_id"], wanted["frame_idx"], wanted["word"], strict=True)
    }
    found: dict[tuple[str, int], bytes] = {}
    for v, f, j in read_frames_of(frames, sorted({v for v, _ in keys})):
        if (v, f) in keys:
            found[(v, f)] = j
    return [(f"{v} #{f}: {keys[(v, f)]}", found[(v, f)]) for v, f in keys if (v, f) in found]


@dataclass(frozen=True)
class QueryOptions:
    """Settings of the ``query`` config section: the cross-modal query of the report."""

    pattern: str | None = None  # regex a whole word must match (any case); null and no words: no query
    words: list[str] = field(default_factory=list)  # or a word list (used when pattern is null)
    by: list[str] = field(default_factory=list)  # sample sheet column(s) to group by
    unit: str = choice("word", UNITS)  # word | segment (a segment matches when the regex occurs in it)
    measure: str = "f0_mean_z"  # a column of the aligned table
    level: str = choice("word", LEVELS)  # confidence intervals over words or over videos
    top: int = 20  # the words said at the highest relative pitch, listed beside
    max_frames: int = 16  # frames of the contact sheet
    cluster: str = "video_id"  # the estimate's random intercept: a sheet column (the speaker) or video_id

    @property
    def enabled(self) -> bool:
        return bool(self.pattern) or bool(self.words)

    def check(self, where: str) -> None:
        if self.pattern:
            word_matcher(self.pattern)
        if self.measure not in ALIGNED.names or not self.measure.startswith(("f0_", "intensity")):
            names = [n for n in ALIGNED.names if n.startswith(("f0_", "intensity"))]
            raise ConfigError(f"{where}.measure: {self.measure!r} is not one of {names}")
        if self.top < 1 or self.max_frames < 1:
            raise ConfigError(f"{where}: top and max_frames must be >= 1")

    @classmethod
    def from_config(cls, section: Mapping[str, Any] | None) -> QueryOptions:
        return options_from_section(cls, section, "config query")


def run_query(
    aligned: PathLike | Sequence[PathLike],
    sheet: pd.DataFrame,
    options: QueryOptions,
    *,
    table_out: PathLike,
    figure_out: PathLike,
    top_out: PathLike | None = None,
    frames: Sequence[PathLike] = (),
    sheet_out: PathLike | None = None,
    estimate_out: PathLike | None = None,
) -> pd.DataFrame:
    """The query of ``options`` as a CSV table and a figure (+ the top words and a contact sheet)."""
    table = read_aligned(aligned)
    pattern = options.pattern or None
    words = None if pattern else list(options.words)
    result = pitch_by_group(
        table,
        sheet,
        options.by,
        pattern,
        words,
        unit=options.unit,
        measure=options.measure,
        level=options.level,
    )
    Path(table_out).parent.mkdir(parents=True, exist_ok=True)
    result.to_csv(table_out, index=False)
    what = pattern or ", ".join(options.words)
    title = f"{options.measure} of the {options.unit}s matching {what!r}" + (
        f" by {', '.join(options.by)}" if options.by else ""
    )
    plot_pitch_by_group(result, figure_out, by=options.by, title=title, measure=options.measure)
    if top_out is not None:
        highest_pitch(table, options.top, measure=options.measure).to_csv(top_out, index=False)
    if estimate_out is not None:
        estimate = pitch_estimate(table, sheet, options)
        estimate.to_csv(estimate_out, index=False)
        log.info("pitch estimate (mixed model):\n%s", estimate.to_string(index=False))
    if sheet_out is not None:
        items = frames_while_said(table, frames, pattern, words, max_frames=options.max_frames)
        contact_sheet(items, sheet_out)
    log.info("query %s:\n%s", title, result.to_string(index=False))
    return result


def pitch_estimate(aligned: pd.DataFrame, sheet: pd.DataFrame, options: QueryOptions) -> pd.DataFrame:
    """The query's pitch effect per group and, with one group column, the matches × group interaction.

    One table: ``model`` says which (``per group`` or ``interaction``), then the group columns (empty
    for the interaction rows) and :data:`polimodal.align.estimate.EFFECT_COLUMNS`.
    """
    from polimodal.align.estimate import pitch_effect, pitch_interaction

    pattern = options.pattern or None
    words = None if pattern else list(options.words)
    kw = {"unit": options.unit, "measure": options.measure, "cluster": options.cluster}
    parts = [pitch_effect(aligned, sheet, options.by, pattern, words, **kw).assign(model="per group")]
    if len(options.by) == 1:
        inter = pitch_interaction(aligned, sheet, options.by[0], pattern, words, **kw)
        parts.append(inter.assign(model="interaction"))
    out = pd.concat(parts, ignore_index=True)
    return out[["model", *[c for c in out.columns if c != "model"]]]
