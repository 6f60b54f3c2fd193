# Experiments: per task, validate the labels and count them (data table), draw the splits once
# (test set + one train/validation split per fold, shared by every model), gather the task's own
# data once (its videos' texts and kept frames: train jobs never open the corpus's shards), train
# and score each model once per task x fold, then evaluate every prediction table together.


rule data_table:
    input:
        unpack(get_language_exclusions),
        videos=rules.gather_videos.output.parquet,
        unavailable=rules.gather_unavailable.output.parquet,
    output:
        csv=report(
            "results/tables/data_table.csv",
            caption="../report/data_table.rst",
            category="Data",
            labels={"table": "data table (CSV)"},
        ),
        md="results/tables/data_table.md",
        html=report(
            "results/tables/data_table.html",
            caption="../report/data_table.rst",
            category="Data",
            labels={"table": "data table"},
        ),
    log:
        "logs/experiments/data_table.log",
    benchmark:
        "benchmarks/experiments/data_table.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        tasks=config["tasks"],
        sheet_digest=get_tasks_sheet_digest(),
        # a run from a channels sheet: the listing's summary (not an input: never re-lists)
        channels_summary=get_channels_summary(),
    script:
        "../scripts/data_table.py"


rule splits:
    input:
        unpack(get_language_exclusions),
        videos=rules.gather_videos.output.parquet,
    output:
        parquet="results/splits/{task}.parquet",
    log:
        "logs/experiments/splits/{task}.log",
    benchmark:
        "benchmarks/experiments/splits/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        task=get_task_config,
        sheet_digest=get_task_sheet_digest,
        experiments=get_split_settings(),
    script:
        "../scripts/splits.py"


rule task_data:
    input:
        unpack(get_task_sources("frames")),
        splits=rules.splits.output.parquet,
        videos=rules.gather_videos.output.parquet,
        transcripts=rules.gather_transcripts.output.parquet,
        captions=get_caption_files(rules.captions.output.captions),
        ocr=get_ocr_outputs(),
    output:
        texts="results/tasks/{task}/texts.parquet",
        frames="results/tasks/{task}/frames.parquet",
    log:
        "logs/experiments/task_data/{task}.log",
    benchmark:
        "benchmarks/experiments/task_data/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    script:
        "../scripts/task_data.py"


# the task's aligned words, pitch and kept-frame embeddings: only when a model reads words or audio
# (mult, early_fusion); otherwise empty files, and no shard's aligned data is needed
rule task_sequences:
    input:
        unpack(get_task_sources("words", "audio")),
        splits=rules.splits.output.parquet,
    output:
        aligned="results/tasks/{task}/aligned.parquet",
        pitch="results/tasks/{task}/pitch.parquet",
        embeddings="results/tasks/{task}/embeddings.parquet",
    log:
        "logs/experiments/task_sequences/{task}.log",
    benchmark:
        "benchmarks/experiments/task_sequences/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=120,
    script:
        "../scripts/task_sequences.py"


rule train:
    input:
        unpack(get_model_files),
        splits=rules.splits.output.parquet,
    output:
        predictions="results/{task}/{model}/fold{fold}/predictions.parquet",
        model=directory("results/{task}/{model}/fold{fold}/model"),
    log:
        "logs/experiments/train/{task}/{model}/fold{fold}.log",
    benchmark:
        "benchmarks/experiments/train/{task}/{model}/fold{fold}.tsv"
    wildcard_constraints:
        model=CPU_MODEL_PATTERN,
    conda:
        "../../envs/gpu.yaml"
    threads: 4
    resources:
        mem_mb=8000,
        runtime=240,
    params:
        model=get_model_settings,
        classes=get_task_classes,
        seed=config["experiments"]["seed"],
        prompt=get_task_prompt,
    script:
        "../scripts/train.py"


use rule train as train_gpu with:
    wildcard_constraints:
        model=GPU_MODEL_PATTERN,
    resources:
        mem_mb=16000,
        runtime=480,


# generative models (zero-shot scoring or LoRA): peft/accelerate/bitsandbytes env, long runtime
use rule train as train_llm with:
    wildcard_constraints:
        model=LLM_MODEL_PATTERN,
    conda:
        "../../envs/llm.yaml"
    resources:
        mem_mb=32000,
        runtime=720,


rule evaluate:
    input:
        predictions=get_all_predictions,
    output:
        metrics="results/metrics/metrics.parquet",
        metrics_csv="results/metrics/metrics.csv",
        confusion="results/metrics/confusion.parquet",
        summary="results/metrics/summary.csv",
        table=report(
            "results/metrics/summary_table.csv",
            caption="../report/summary_table.rst",
            category="Results",
            labels={"table": "macro F1 by task and model (CSV)"},
        ),
        html=report(
            "results/metrics/summary_table.html",
            caption="../report/summary_table.rst",
            category="Results",
            labels={"table": "macro F1 by task and model"},
        ),
    log:
        "logs/experiments/evaluate.log",
    benchmark:
        "benchmarks/experiments/evaluate.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        modalities=get_model_modalities(),
    script:
        "../scripts/evaluate.py"
