# Ingest: for each video of a shard in turn, download (yt-dlp) or link it, record its metadata,
# sample its frames and extract its audio track, then delete it: media never outlive this job
# (ingest.keep_media keeps them). Every video that cannot be had is recorded with its reason.
# The params are the rows' digest and the output settings only (not the sheet's path, retries,
# pauses, timeouts, cookies), and a rerun reuses the rows of every video it had before instead
# of fetching it again, keeping them when it is gone since (polimodal.corpus.shards).


rule ingest:
    output:
        videos="results/ingest/{shard}/videos.parquet",
        unavailable="results/ingest/{shard}/unavailable.parquet",
        # every frame's JPEG: the stored table with frames.keep_dropped, else read by embed and
        # store_frames (embed.smk) only
        frames=(
            "results/frames/{shard}.parquet"
            if KEEP_DROPPED_FRAMES
            else temp("results/ingest/{shard}/frames.parquet")
        ),
        audio="results/audio/{shard}.parquet",
    log:
        "logs/ingest/{shard}.log",
    benchmark:
        "benchmarks/ingest/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=480,
    params:
        shard_size=config["shard_size"],
        digest=get_shard_digest,
        ingest=get_output_settings("ingest"),
        frames=get_output_settings("frames"),
        audio=get_output_settings("audio"),
        media_dir=get_media_dir,
        frames_standin=get_frames_standin,
        corpus=CORPUS.name,
    script:
        "../scripts/ingest.py"
