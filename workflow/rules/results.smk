# The study's results beyond one bar chart per task: its comparisons as figures, precision-recall
# curves with the operating point for few false positives, and results by group (any sheet column,
# or the detected language) for the test metrics and for the corpus classification.


rule comparisons:
    input:
        table=rules.evaluate.output.table,
    output:
        csv="results/metrics/comparisons.csv",
        html=report(
            "results/metrics/comparisons.html",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"figure": "comparisons (table)"},
        ),
        overview=report(
            "results/plots/comparisons/overview.png",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"figure": "all tasks and models"},
        ),
        finetune=report(
            "results/plots/comparisons/finetune.png",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"figure": "fine-tuned vs zero-shot"},
        ),
        modality=report(
            "results/plots/comparisons/modality.png",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"figure": "multimodal vs unimodal"},
        ),
        vlm_llm=report(
            "results/plots/comparisons/vlm_vs_llm.png",
            caption="../report/comparisons.rst",
            category="Comparisons",
            labels={"figure": "VLM vs LLM"},
        ),
    log:
        "logs/results/comparisons.log",
    benchmark:
        "benchmarks/results/comparisons.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        models=get_run_models(),
    script:
        "../scripts/comparisons.py"


rule precision_recall:
    input:
        predictions=get_all_predictions,
    output:
        curves="results/metrics/pr_curves.parquet",
        points=report(
            "results/metrics/operating_points.csv",
            caption="../report/precision_recall.rst",
            category="Results",
            labels={"table": "operating points (few false positives)"},
        ),
    log:
        "logs/results/precision_recall.log",
    benchmark:
        "benchmarks/results/precision_recall.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        target=get_target_precision(),
    script:
        "../scripts/precision_recall.py"


rule plot_precision_recall:
    input:
        curves=rules.precision_recall.output.curves,
        points=rules.precision_recall.output.points,
    output:
        png=report(
            "results/plots/{task}/precision_recall.png",
            caption="../report/precision_recall.rst",
            category="Results",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "precision-recall curves"},
        ),
    log:
        "logs/results/precision_recall_{task}.log",
    benchmark:
        "benchmarks/results/precision_recall_{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/plot_precision_recall.py"


rule results_by_group:
    input:
        predictions=get_all_predictions,
        transcripts=rules.gather_transcripts.output.parquet,
    output:
        csv="results/metrics/by_group.csv",
        html=report(
            "results/metrics/by_group.html",
            caption="../report/by_group.rst",
            category="Results by group",
            labels={"table": "test macro F1 by group"},
        ),
    log:
        "logs/results/by_group.log",
    benchmark:
        "benchmarks/results/by_group.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        by=get_group_by(),
        sheet_digest=get_group_sheet_digest(),
        min_n=get_group_min_n(),
        modalities=get_model_modalities(),
    script:
        "../scripts/results_by_group.py"


rule classified_by_group:
    input:
        classified=get_classified_tables,
        transcripts=rules.gather_transcripts.output.parquet,
    output:
        csv="results/tables/classified_by_group.csv",
        html=report(
            "results/tables/classified_by_group.html",
            caption="../report/by_group.rst",
            category="Results by group",
            labels={"table": "predicted labels over the corpus by group"},
        ),
    log:
        "logs/results/classified_by_group.log",
    benchmark:
        "benchmarks/results/classified_by_group.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        by=get_group_by(),
        sheet_digest=get_group_sheet_digest(),
    script:
        "../scripts/classified_by_group.py"


rule overview:
    input:
        table=rules.evaluate.output.table,
        videos=rules.gather_videos.output.parquet,
        unavailable=rules.gather_unavailable.output.parquet,
        classified=get_classified_tables,
    output:
        html=report(
            "results/overview.html",
            caption="../report/overview.rst",
            category="Overview",
            labels={"page": "what came out"},
        ),
    log:
        "logs/results/overview.log",
    benchmark:
        "benchmarks/results/overview.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        channels_summary=get_channels_summary(),
    script:
        "../scripts/overview.py"
