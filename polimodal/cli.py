"""``polimodal`` command line: one stage by hand, or a look at what a run produced.

polimodal summary [RESULTS]      where the artifacts are and what they hold
polimodal demo [DIR]             make the demo corpus (media + sample sheet)
polimodal query [RESULTS] ...    pitch of the words matching a pattern, by sheet column (see --help)
polimodal plan [--config F]      jobs, core-hours, GPU-hours and bytes of a run, before it runs
polimodal channels [--config F]  list the channels sheet's channels into the video sheet (append)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pyarrow.parquet as pq


def _rows(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


_CODEC_NAMES = {"opus": "Opus", "flac": "FLAC"}


def _listing_lines(path: Path, *, fetched: bool) -> list[str]:
    """The channel listing's summary (``snakemake list_videos`` / ``polimodal channels``), and what
    to run next when no video has been fetched yet (``fetched``: videos.parquet exists)."""
    from polimodal.corpus.channel_videos import read_channel_summary

    c = {k: int(v) for k, v in read_channel_summary(path).items() if k != "unavailable_rate"}
    n, listed, gone = c.get("channels", 0), c.get("channels_listed", 0), c.get("channels_unavailable", 0)
    lines = [
        f"  {'channels (listing):':<25} {path}",
        f"      {n} channels: {listed} listed, {gone} unavailable ({100 * gone / n if n else 0:.3g} %), "
        f"{c.get('channels_not_listed', 0)} not listed yet",
        f"      {c.get('videos_listed', 0)} videos listed, {c.get('videos_eligible', 0)} eligible, "
        f"{c.get('videos_added', 0)} added to the sample sheet ({c.get('sheet_rows', 0)} rows)",
    ]
    if not fetched:
        unavailable = path.with_name("unavailable.tsv")
        if gone:
            lines.append(f"      unavailable channels and why: {unavailable}")
        lines.append(
            "  next: run `snakemake` (the videos of the sample sheet: metadata, transcripts, frames, "
            "...), then `polimodal summary` again"
        )
    return lines


def summary(results: Path) -> str:
    """A short human summary of a results folder; FileNotFoundError when it is missing or holds
    nothing the workflow writes."""
    if not results.is_dir():
        raise FileNotFoundError(f"{results}: no such folder (give the workflow's results folder)")
    lines = [f"polimodal results in {results.resolve()}"]
    videos = results / "videos.parquet"
    unavailable = results / "unavailable.parquet"
    transcripts = results / "transcripts.parquet"
    if videos.exists():
        lines.append(f"  videos (metadata):        {videos}  ({_rows(videos)} available)")
    if unavailable.exists():
        t = pq.read_table(unavailable).to_pandas()
        lines.append(f"  unavailable videos:       {unavailable}  ({len(t)})")
        for row in t.itertuples():
            lines.append(f"      {row.video_id}: {row.kind}: {row.reason[:100]}")
    channels_summary = results / "channels" / "summary.tsv"
    if channels_summary.exists():
        lines += _listing_lines(channels_summary, fetched=videos.exists())
    if videos.exists() and unavailable.exists():
        from polimodal.corpus.channel_videos import availability_rates

        for row in availability_rates(videos, unavailable, channels_summary).itertuples():
            lines.append(
                f"  {row.level + ' unavailable:':<25} {row.unavailable} of {row.n} "
                f"({row.percent_unavailable:g} %)"
            )
    if transcripts.exists():
        lines.append(f"  transcripts (per video):  {transcripts}  ({_rows(transcripts)})")
    for stage, label in [
        ("transcripts", "transcript segments"),
        ("frames", "frames (JPEG)"),
        ("audio", "audio tracks"),
        ("embeddings", "frame embeddings"),
        ("dedup", "dedup flags"),
    ]:
        pattern = "*/segments.parquet" if stage == "transcripts" else "*.parquet"
        files = sorted((results / stage).glob(pattern))
        if files:
            n = sum(_rows(f) for f in files)
            extra = ""
            if stage == "dedup":
                kept = sum(
                    pq.read_table(f, columns=["kept"]).column("kept").to_pylist().count(True) for f in files
                )
                extra = f", {kept} kept after near-duplicate removal"
            if stage == "audio":
                codecs = sorted(
                    {
                        c
                        for f in files
                        for c in pq.read_table(f, columns=["codec"]).column("codec").to_pylist()
                    }
                )
                label = f"{label} ({', '.join(_CODEC_NAMES.get(c, c) for c in codecs) or 'none'})"
            lines.append(
                f"  {label + ':':<25} {results / stage}/ ({len(files)} shard files, {n} rows{extra})"
            )
    for path in sorted((results / "classified").glob("*/*.parquet")):
        lines.append(f"  {'corpus classified:':<25} {path}  ({_rows(path)} videos)")
    for name in ["metrics/summary.csv", "report.html"]:
        if (results / name).exists():
            lines.append(f"  {name:<25} {results / name}")
    table = results / "metrics" / "summary_table.csv"
    if table.exists():
        import pandas as pd

        summary_table = pd.read_csv(table)
        lines.append("  test macro F1 (mean ± sd over folds):")
        for row in summary_table.itertuples():
            lines.append(f"      {row.task:<16} {row.model:<24} {row.modality:<11} {row.macro_f1}")
    by_group = results / "metrics" / "by_group.csv"
    if by_group.exists():
        import pandas as pd

        groups = pd.read_csv(by_group, dtype={"group": str}, keep_default_na=False)
        lines.append(f"  test macro F1 by group ({by_group}):")
        for row in groups.itertuples():
            group = f"{row.group_by}={row.group}"
            lines.append(f"      {row.task:<16} {row.model:<24} {group:<20} n={row.n:<5} {row.macro_f1}")
    from polimodal.measure.report import summary_lines

    lines += summary_lines(results)
    points = results / "metrics" / "operating_points.csv"
    if points.exists():
        lines.append(f"  {'operating points:':<25} {points}")
    comparisons = results / "metrics" / "comparisons.csv"
    if comparisons.exists():
        lines.append(f"  {'comparisons:':<25} {comparisons}")
    if len(lines) == 1:
        raise FileNotFoundError(
            f"{results}: no polimodal results in this folder (none of videos.parquet, transcripts/, "
            "frames/, metrics/ ...: has the workflow run here?)"
        )
    return "\n".join(lines)


def query(args: argparse.Namespace) -> int:
    """``polimodal query``: see its ``--help``."""
    import pandas as pd

    from polimodal.align.plots import contact_sheet, plot_pitch_by_group
    from polimodal.align.query import frames_while_said, read_aligned
    from polimodal.align.stats import highest_pitch, pitch_by_group
    from polimodal.corpus.samples import read_sample_sheet
    from polimodal.errors import ConfigError

    pd.set_option("display.width", 160)
    try:
        aligned = read_aligned(args.results)
        words = [w for w in args.words.split(",") if w.strip()] if args.words else None
        if args.top:
            print(highest_pitch(aligned, args.top, measure=args.measure).to_string(index=False))
        if args.pattern is None and words is None:
            if not args.top:
                raise ConfigError("give --pattern or --words (or --top N)")
            return 0
        sheet = read_sample_sheet(args.sheet) if args.sheet else None
        table = pitch_by_group(
            aligned,
            sheet,
            args.by,
            args.pattern,
            words,
            unit=args.unit,
            measure=args.measure,
            level=args.level,
        )
    except ConfigError as exc:
        print(f"polimodal query: {exc}", file=sys.stderr)
        return 2
    if not table["matches"].any():  # only the reference rows: nothing to compare them with
        what = f"pattern {args.pattern!r}" if args.pattern is not None else f"words {words}"
        print(f"polimodal query: no {args.unit} matches {what} (with a {args.measure} value)")
        return 0
    print(table.to_string(index=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        if args.out.suffix == ".parquet":
            table.to_parquet(args.out, index=False)
        else:
            table.to_csv(args.out, index=False)
    if args.plot:
        what = args.pattern or args.words
        plot_pitch_by_group(
            table, args.plot, by=args.by, title=f"{args.measure}: {what!r}", measure=args.measure
        )
    if args.frames:
        frames = sorted((args.results / "frames").glob("*.parquet"))
        contact_sheet(frames_while_said(aligned, frames, args.pattern, words), args.frames)
    return 0


def train_fold(config_path: Path, task: str, model: str, fold: int, results: Path) -> dict:
    """The ``train`` rule's job by hand: reads ``results/splits/{task}.parquet`` and the task's own
    tables (``results/tasks/{task}/``) that the workflow made, writes the fold's predictions and model."""
    from polimodal.config import load_config
    from polimodal.experiments.run import run_fold
    from polimodal.models.registry import get_kind

    config = load_config(config_path)
    task_cfg, model_cfg = config["tasks"][task], config["models"][model]
    task_dir = results / "tasks" / task
    files = {name: task_dir / f"{name}.parquet" for name in get_kind(model_cfg["kind"]).files("task")}
    out = results / task / model / f"fold{fold}"
    return run_fold(
        task,
        fold,
        results / "splits" / f"{task}.parquet",
        files,
        model,
        model_cfg,
        out / "predictions.parquet",
        out / "model",
        classes=[str(v) for v in task_cfg["values"]],
        seed=int((config.get("experiments") or {}).get("seed", 42)),
        prompt=task_cfg.get("prompt"),
    )


def positive_number(text: str) -> float:
    """An argparse ``type``: a finite number > 0 (``-5``, ``0``, ``nan``, ``inf`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def plan(args: argparse.Namespace) -> int:
    """``polimodal plan``: see its ``--help``."""
    import json

    from polimodal.corpus.samples import read_sample_sheet
    from polimodal.errors import ConfigError, LabelError, SampleSheetError, SchemaError
    from polimodal.plan import dag_jobs, format_plan, format_sources, workflow_config
    from polimodal.plan import plan as make_plan

    try:
        # the config Snakemake reads: --config laid over config/config.yaml (or --config itself)
        config = workflow_config(args.config, sheet=args.sheet)
        sheet_path = args.sheet or config.get("samples")
        if not sheet_path:
            raise ConfigError(f"config {args.config} names no sample sheet (samples:); give --sheet")
        sheet = read_sample_sheet(sheet_path)
        jobs = dag_jobs(args.config, sheet=args.sheet)  # Snakemake's DAG of this config
        the_plan = make_plan(
            config,
            sheet,
            jobs,
            minutes_per_video=args.minutes_per_video,
            videos_table=args.results / "videos.parquet",
        )
    except (ConfigError, LabelError, SampleSheetError, SchemaError) as exc:
        print(f"polimodal plan: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(the_plan.to_dict(), indent=1, allow_nan=False))  # strict JSON: no NaN
    else:
        print(format_plan(the_plan))
        if args.sources:
            print("\n" + format_sources(the_plan))
    return 0


def channels(args: argparse.Namespace) -> int:
    """``polimodal channels``: what ``snakemake list_videos`` does, in one process."""
    from polimodal.config import load_config
    from polimodal.corpus.channels import ChannelOptions
    from polimodal.errors import ConfigError, SampleSheetError, SchemaError
    from polimodal.extract.channels import list_videos
    from polimodal.extract.ingest import IngestOptions
    from polimodal.logs import setup_logging

    setup_logging()
    try:
        config = load_config(args.config)
        options = ChannelOptions.from_config(config.get("channels"))
        sheet, out = args.channels or options.sheet, args.out or config.get("samples")
        if not sheet or not out:
            raise ConfigError(
                f"config {args.config}: set channels.sheet and samples (or give --channels, --out)"
            )
        summary = list_videos(
            sheet, out, args.results, options, IngestOptions.from_config(config.get("ingest"))
        )
    except (ConfigError, SampleSheetError, SchemaError) as exc:
        print(f"polimodal channels: {exc}", file=sys.stderr)
        return 2
    print("\n".join(f"{k:<24} {v:g}" for k, v in summary.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="polimodal", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("summary", help="summarise a results folder")
    p.add_argument("results", nargs="?", default="results", type=Path)
    p = sub.add_parser("demo", help="make the demo corpus")
    p.add_argument("out_dir", nargs="?", default="resources/demo")
    p = sub.add_parser(
        "query",
        help="cross-modal query over the aligned table: pitch of matching words by group",
        description="Pitch of the words (or segments) matching --pattern or --words, grouped by sheet "
        "column(s) --by, beside the other words of each group: mean, sd and 95%% CI. --top N lists "
        "the words said at the highest relative pitch; --frames writes a contact sheet of the "
        "frames shown while a matching word is said.",
    )
    p.add_argument(
        "results", nargs="?", default="results", type=Path, help="results folder (aligned/ inside)"
    )
    p.add_argument("--sheet", type=Path, help="the sample sheet (needed for --by)")
    p.add_argument("--pattern", help="regex a whole word must match (any case), e.g. 'tax(es)?'")
    p.add_argument("--words", help="comma-separated word list (instead of --pattern)")
    p.add_argument("--by", nargs="*", default=[], help="sheet column(s) to group by")
    p.add_argument("--unit", choices=["word", "segment"], default="word")
    p.add_argument("--measure", default="f0_mean_z", help="aligned-table column (default f0_mean_z)")
    p.add_argument("--level", choices=["word", "video"], default="word", help="CIs over words or videos")
    p.add_argument("--out", type=Path, help="write the table here (.csv or .parquet)")
    p.add_argument("--plot", type=Path, help="write the figure here (.png)")
    p.add_argument("--top", type=int, default=0, help="list the N words at the highest relative pitch")
    p.add_argument(
        "--frames", type=Path, help="contact sheet (.jpg) of the frames shown while a match is said"
    )
    p = sub.add_parser(
        "train-fold",
        help="train and score one model on one task x fold by hand, from the workflow's results/ "
        "(e.g. a LoRA over several GPUs: accelerate launch -m polimodal.cli train-fold ...)",
    )
    p.add_argument("--config", default="config/config.yaml", type=Path)
    p.add_argument("--task", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--fold", required=True, type=int)
    p.add_argument("--results", default="results", type=Path)
    p = sub.add_parser(
        "plan",
        help="jobs per stage, CPU core-hours, GPU-hours, scratch and stored bytes of a run",
        description="What the run of --config over its sample sheet will take: jobs per stage (from "
        "Snakemake's dry run, snakemake -n --forceall --configfile CONFIG, in this folder), CPU "
        "core-hours, GPU-hours (marked * where estimated), scratch and stored bytes. Hours of video: "
        "sheet rows x --minutes-per-video, or the mean duration in RESULTS/videos.parquet once it "
        "exists. Costs come from polimodal.stages.STAGES and each model kind's ModelKind.cost.",
    )
    p.add_argument("--config", default="config/config.yaml", type=Path)
    p.add_argument("--sheet", type=Path, help="the sample sheet (default: the config's samples)")
    p.add_argument(
        "--minutes-per-video", type=positive_number, default=10.0, help="mean duration (> 0; default 10)"
    )
    p.add_argument("--results", default="results", type=Path, help="results folder (videos.parquet)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.add_argument("--sources", action="store_true", help="also list each cost used and its source")
    p = sub.add_parser(
        "channels",
        help="list each channel of the channels sheet and append its videos to the video sheet",
        description="The channels -> videos step (config section `channels`) in one process, as "
        "`snakemake list_videos` does it in jobs: flat listings (no media), per-channel results kept "
        "in RESULTS (a rerun lists only what is missing), new videos appended to the video sheet; "
        "reports in RESULTS/{channels,unavailable,summary}.tsv.",
    )
    p.add_argument("--config", default="config/config.yaml", type=Path)
    p.add_argument("--channels", type=Path, help="the channels sheet (default: the config's channels.sheet)")
    p.add_argument("--out", type=Path, help="the video sheet to append to (default: the config's samples)")
    p.add_argument("--results", default="results/channels", type=Path, help="listings and reports")
    p = sub.add_parser(
        "news-to-posts",
        help="a news-articles table (NMB+: headline, article_text, image, outlet, labels) -> a posts sheet",
    )
    p.add_argument("table", type=Path, help=".csv, .tsv or .parquet")
    p.add_argument("out", type=Path, help="the posts sheet to write (.tsv)")
    p.add_argument("--text", choices=["both", "headline", "article_text"], default="both")
    p.add_argument("--image-column", default="image")
    p.add_argument(
        "--image-root", type=Path, help="relative image paths start here (default: the table's folder)"
    )
    from polimodal.measure import commands as coding

    coding.register(sub)
    args = parser.parse_args(argv)
    if args.cmd == "coding":
        return coding.run(args)
    if args.cmd == "news-to-posts":
        from polimodal.corpus.news import convert_news
        from polimodal.errors import SampleSheetError

        try:
            print(convert_news(args.table, args.out, text=args.text, image_column=args.image_column,
                               image_root=args.image_root))  # fmt: skip
        except SampleSheetError as exc:
            print(f"polimodal news-to-posts: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.cmd == "channels":
        return channels(args)
    if args.cmd == "plan":
        return plan(args)
    if args.cmd == "query":
        return query(args)
    if args.cmd == "train-fold":
        train_fold(args.config, args.task, args.model, args.fold, args.results)
    if args.cmd == "summary":
        try:
            print(summary(args.results))
        except FileNotFoundError as exc:
            print(f"polimodal summary: {exc}", file=sys.stderr)
            return 1
    elif args.cmd == "demo":
        from polimodal.synthetic.demo import make_demo

        print(make_demo(args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
