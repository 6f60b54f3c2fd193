# Channels -> videos, an explicit first step: list each channel of the channels sheet (config
# `channels.sheet`) with yt-dlp's flat listing (no media fetched), one job per shard of channels,
# then append each channel's chosen videos to the sample sheet (config `samples`) with the
# channel's columns: `snakemake list_videos`, then `snakemake`. The workflow plans its shards from
# the sample sheet when it is parsed, so the sheet must exist before the rest can be planned;
# while it does not, the Snakefile plans this step only. The sample sheet is an output of
# list_videos flagged update() (Snakemake keeps it for the job that appends to it): a deleted sheet
# is listed again, a sheet that is there reruns nothing. No rule of the main workflow depends on
# these (the rules that read the sheet take a digest of its columns, not the file: common.smk), so
# `snakemake` never re-lists (raise `channels.refresh` to list every channel again;
# polimodal.corpus.channels).


include: "common_channels.smk"


rule list_channels:
    output:
        listing="results/channels/{shard}/listing.parquet",
        status="results/channels/{shard}/channels.parquet",
    log:
        "logs/channels/{shard}.log",
    benchmark:
        "benchmarks/channels/{shard}.tsv"
    wildcard_constraints:
        shard=r"\d{6}",
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        digest=get_channel_shard_digest,
        listing=CHANNELS.listing_settings(),
    script:
        "../scripts/list_channels.py"


rule list_videos:
    input:
        channels=get_channels_sheet,
        listings=get_channel_listings,
        statuses=get_channel_statuses,
    output:
        sheet=get_listed_sheet(),
        channels="results/channels/channels.tsv",
        unavailable="results/channels/unavailable.tsv",
        summary="results/channels/summary.tsv",
    log:
        "logs/channels/list_videos.log",
    benchmark:
        "benchmarks/channels/list_videos.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        selection=CHANNELS.selection_settings(),
    script:
        "../scripts/list_videos.py"
