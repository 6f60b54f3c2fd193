# Ingest: download (yt-dlp) or link each video of a shard, record metadata, and record every
# video that cannot be had with its reason. Media is temporary: deleted once frames and
# transcripts are extracted.


rule ingest:
    output:
        videos="results/ingest/{shard}/videos.parquet",
        unavailable="results/ingest/{shard}/unavailable.parquet",
        media=temp(directory("results/ingest/{shard}/media")),
    log:
        "logs/ingest/{shard}.log",
    benchmark:
        "benchmarks/ingest/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=240,
    params:
        sheet=config["samples"],
        shard_size=config["shard_size"],
        digest=get_shard_digest,
        options=config["ingest"],
    script:
        "../scripts/ingest.py"
