# Align: Praat's pitch (F0) and intensity of each video's stored audio, then the aligned table
# (one row per transcript word: its pitch, speaker-relative pitch and the kept frame shown
# meanwhile), then, when the config asks for one, the cross-modal query of the report.


rule pitch:
    input:
        videos=rules.ingest.output.videos,
        audio=rules.ingest.output.audio,
    output:
        parquet="results/pitch/{shard}.parquet",
    log:
        "logs/pitch/{shard}.log",
    benchmark:
        "benchmarks/pitch/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=120,
    params:
        options=get_output_settings("pitch"),
    script:
        "../scripts/pitch.py"


rule align:
    input:
        unpack(get_align_speakers),
        segments=rules.transcribe.output.segments,
        pitch=rules.pitch.output.parquet,
        dedup=rules.dedup.output.parquet,
    output:
        parquet="results/aligned/{shard}.parquet",
    log:
        "logs/align/{shard}.log",
    benchmark:
        "benchmarks/align/{shard}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    script:
        "../scripts/align.py"


rule query:
    input:
        aligned=get_shard_aligned,
        frames=get_query_frames,
    output:
        table=report(
            "results/query/pitch_by_group.csv",
            caption="../report/query.rst",
            category="Alignment",
            labels={"query": "pitch by group (CSV)"},
        ),
        figure=report(
            "results/query/pitch_by_group.png",
            caption="../report/query.rst",
            category="Alignment",
            labels={"query": "pitch by group"},
        ),
        top="results/query/highest_pitch.csv",
        estimate=report(
            "results/query/pitch_estimate.csv",
            caption="../report/query_estimate.rst",
            category="Alignment",
            labels={"query": "pitch effect (mixed model)"},
        ),
        contact_sheet=report(
            "results/query/frames_while_said.jpg",
            caption="../report/query_frames.rst",
            category="Alignment",
            labels={"query": "frames shown while a matching word is said"},
        ),
    log:
        "logs/query.log",
    benchmark:
        "benchmarks/query.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        options=get_output_settings("query"),
        sheet_digest=get_query_sheet_digest(),
    script:
        "../scripts/query.py"
