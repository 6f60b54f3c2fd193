# Figures of the HTML report (snakemake --report results/report.html): per task, macro F1 by
# model coloured by modality and the confusion matrices; the data table as a figure.


report: "../report/workflow.rst"


rule plots:
    input:
        table=rules.evaluate.output.table,
        confusion=rules.evaluate.output.confusion,
    output:
        f1=report(
            "results/plots/{task}/macro_f1.png",
            caption="../report/macro_f1.rst",
            category="Results",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "macro F1 by model"},
        ),
        confusion=report(
            "results/plots/{task}/confusion.png",
            caption="../report/confusion.rst",
            category="Results",
            subcategory="{task}",
            labels={"task": "{task}", "figure": "confusion matrices"},
        ),
    log:
        "logs/plots/{task}.log",
    benchmark:
        "benchmarks/plots/{task}.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/plots.py"


rule plot_data_table:
    input:
        csv=rules.data_table.output.csv,
    output:
        png=report(
            "results/plots/data_table.png",
            caption="../report/data_table.rst",
            category="Data",
            labels={"table": "data table (figure)"},
        ),
    log:
        "logs/plots/data_table.log",
    benchmark:
        "benchmarks/plots/data_table.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    script:
        "../scripts/plot_data_table.py"


# FND-CLIP ablation (when the run has kind: fndclip models): each fusion with and without the
# CLIP-guided contrastive term, next to the text-only, image-only and CLIP baselines, per task.
rule ablation:
    input:
        table=rules.evaluate.output.table,
    output:
        csv=report(
            "results/tables/ablation.csv",
            caption="../report/ablation.rst",
            category="Results",
            labels={"table": "FND-CLIP ablation (CSV)"},
        ),
        html=report(
            "results/tables/ablation.html",
            caption="../report/ablation.rst",
            category="Results",
            labels={"table": "FND-CLIP ablation"},
        ),
    log:
        "logs/experiments/ablation.log",
    benchmark:
        "benchmarks/experiments/ablation.tsv"
    conda:
        "../../envs/cpu.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        models=get_run_models(),
    script:
        "../scripts/ablation.py"
