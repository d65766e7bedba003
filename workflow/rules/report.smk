# Exhibits: each table and figure is a target of its own, with the paper's numbers beside ours.


rule table_e2e:
    input:
        exhibit_inputs("e2e_table"),
    output:
        report(
            "results/tables/e2e.md",
            caption="../report/table_e2e.rst",
            category="Tables",
        ),
        "results/tables/e2e.csv",
        "results/tables/e2e.tex",
        "results/tables/e2e.significance.json",
    log:
        "logs/report/table_e2e.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        spec=exhibit_spec("e2e_table"),
    shell:
        "python -m pipeline.report.tables --spec {params.spec:q} --out-prefix results/tables/e2e"
        " > {log} 2>&1"


rule figure_lowdata:
    input:
        exhibit_inputs("lowdata_figure"),
    output:
        report(
            "results/figures/lowdata.png",
            caption="../report/figure_lowdata.rst",
            category="Figures",
        ),
        "results/figures/lowdata.pdf",
    log:
        "logs/report/figure_lowdata.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        spec=exhibit_spec("lowdata_figure"),
    shell:
        "python -m pipeline.report.figures --spec {params.spec:q} --out-prefix results/figures/lowdata"
        " > {log} 2>&1"


rule table_datasets:
    input:
        data=expand(
            "results/data/{dataset}/meta.json", dataset=list(config["datasets"])
        ),
        model=f"results/models/{STATS_MODEL}/acquired.json",
    output:
        report(
            "results/tables/datasets.md",
            caption="../report/table_datasets.rst",
            category="Tables",
        ),
        "results/tables/datasets.csv",
    log:
        "logs/report/table_datasets.log",
    conda:
        "../../envs/pipeline.yaml"
    params:
        dirs=lambda w, input: " ".join(str(Path(m).parent) for m in input.data),
        caps=" ".join(
            str(c["max_source_tokens"] or 0) for c in config["datasets"].values()
        ),
        model_dir=lambda w, input: str(Path(input.model).parent),
    shell:
        "python -m pipeline.data.stats --data-dirs {params.dirs} --max-source-tokens {params.caps}"
        " --model-dir {params.model_dir} --out-prefix results/tables/datasets > {log} 2>&1"
