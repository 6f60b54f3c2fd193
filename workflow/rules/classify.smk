# Classify the corpus: once the models are compared, each task's chosen model(s) (classify: in
# config; default the best mean validation macro F1) label every available video, shard by shard
# (GPU jobs for torch models), gathered into one table per task and model, and summarised next to
# the labelled data table in the report.


checkpoint choose_models:
    input:
        metrics=rules.evaluate.output.metrics,
    output:
        tsv="results/classified/{task}/chosen.tsv",
    log:
        "logs/classify/choose/{task}.log",
    benchmark:
        "benchmarks/classify/choose/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        models=get_classify_setting,
    script:
        "../scripts/choose_models.py"


rule classify:
    input:
        unpack(get_model_files),
        chosen=rules.choose_models.output.tsv,
        model=get_classify_model_dir,
    output:
        parquet="results/classified/{task}/{model}/{shard}.parquet",
    log:
        "logs/classify/{task}/{model}/{shard}.log",
    benchmark:
        "benchmarks/classify/{task}/{model}/{shard}.tsv"
    wildcard_constraints:
        model=CPU_MODEL_PATTERN,
    conda:
        "../../envs/gpu.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=120,
    params:
        model=get_model_settings,
        classes=get_task_classes,
        fold=get_classify_fold,
        prompt=get_task_prompt,
    script:
        "../scripts/classify.py"


use rule classify as classify_gpu with:
    wildcard_constraints:
        model=GPU_MODEL_PATTERN,
    resources:
        mem_mb=8000,
        runtime=240,


use rule classify as classify_llm with:
    wildcard_constraints:
        model=LLM_MODEL_PATTERN,
    conda:
        "../../envs/llm.yaml"
    resources:
        mem_mb=32000,
        runtime=480,


rule gather_classified:
    input:
        shards=get_classified_shards,
    output:
        parquet="results/classified/{task}/{model}.parquet",
        csv="results/classified/{task}/{model}.csv",
    log:
        "logs/classify/gather/{task}/{model}.log",
    benchmark:
        "benchmarks/classify/gather/{task}/{model}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/gather_classified.py"


rule classified_table:
    input:
        classified=get_classified_tables,
    output:
        csv=report(
            "results/tables/classified.csv",
            caption="../report/classified.rst",
            category="Data",
            labels={"table": "predicted labels over the corpus (CSV)"},
        ),
        html=report(
            "results/tables/classified.html",
            caption="../report/classified.rst",
            category="Data",
            labels={"table": "predicted labels over the corpus"},
        ),
    log:
        "logs/classify/table.log",
    benchmark:
        "benchmarks/classify/table.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/classified_table.py"
