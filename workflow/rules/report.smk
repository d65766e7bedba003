# Exhibits: each table and figure is a target of its own, with the paper's numbers beside ours.


# An exhibit's spec (its runs and notes) goes to its builder as a file: written here, in
# Snakemake's own process (no command line to overflow), and again whenever it changes.
rule exhibit_spec:
    output:
        out("specs/{stem}.json"),
    log:
        logs("report/spec_{stem}.log"),
    wildcard_constraints:
        stem=f"{TABLE_STEMS}|{FIGURE_STEMS}",
    params:
        spec=lambda w: specs.exhibit_spec(config, RUNS, exhibit_of(w.stem), RESULTS),
    run:
        specs.write_spec(output[0], params.spec, log[0])


rule table:
    input:
        lambda w: exhibit_inputs(exhibit_of(w.table)),
        spec=out("specs/{table}.json"),
    output:
        report(
            out("tables/{table}.md"),
            caption="../report/table.rst",
            category="Tables",
        ),
        out("tables/{table}.csv"),
        out("tables/{table}.tex"),
        out("tables/{table}.significance.json"),
    log:
        logs("report/table_{table}.log"),
    wildcard_constraints:
        table=TABLE_STEMS,
    conda:
        "../../envs/report.yaml"
    params:
        builder=lambda w: EXHIBITS[exhibit_of(w.table)].module,
        prefix=lambda w, output: os.path.splitext(output[0])[0],
    shell:
        "python -m {params.builder} --spec {input.spec} --out-prefix {params.prefix}"
        " > {log} 2>&1"


rule figure:
    input:
        lambda w: exhibit_inputs(exhibit_of(w.figure)),
        spec=out("specs/{figure}.json"),
    output:
        report(
            out("figures/{figure}.png"),
            caption="../report/figure.rst",
            category="Figures",
        ),
        out("figures/{figure}.pdf"),
    log:
        logs("report/figure_{figure}.log"),
    wildcard_constraints:
        figure=FIGURE_STEMS,
    conda:
        "../../envs/report.yaml"
    params:
        prefix=lambda w, output: os.path.splitext(output[0])[0],
    shell:
        "python -m pipeline.report.figures --spec {input.spec} --out-prefix {params.prefix}"
        " > {log} 2>&1"


rule table_datasets:
    input:
        data=expand(out("data/{dataset}/meta.json"), dataset=list(config["datasets"])),
        model=f"results/models/{STATS_MODEL}/acquired.json",
    output:
        report(
            out("tables/datasets.md"),
            caption="../report/table_datasets.rst",
            category="Tables",
        ),
        out("tables/datasets.csv"),
    log:
        logs("report/table_datasets.log"),
    conda:
        "../../envs/torch.yaml"
    params:
        dirs=lambda w, input: " ".join(str(Path(m).parent) for m in input.data),
        caps=" ".join(
            str(c["max_source_tokens"] or 0) for c in config["datasets"].values()
        ),
        model_dir=lambda w, input: str(Path(input.model).parent),
        prefix=lambda w, output: os.path.splitext(output[0])[0],
    shell:
        "python -m pipeline.data.stats --data-dirs {params.dirs} --max-source-tokens {params.caps}"
        " --model-dir {params.model_dir} --out-prefix {params.prefix} > {log} 2>&1"
