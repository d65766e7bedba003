# Training: one job per run (prefix-tuning or fine-tuning); train.json marks completion.


rule train:
    input:
        unpack(train_inputs),
        model="results/models/{model}/acquired.json",
    output:
        summary=out(RUN, "train.json"),
    log:
        logs("train", f"{RUN_ID}.log"),
    benchmark:
        out("benchmarks/train", f"{RUN_ID}.tsv")
    conda:
        "../../envs/pipeline.yaml"
    threads: config["resources"]["train_threads"]
    resources:
        mem_mb=config["resources"]["train_mem_mb"],
        gpu=config["resources"]["train_gpu"],
        runtime=train_runtime,
    params:
        hparams=lambda w: as_json(run_of(w).hparams),
        placement=PLACEMENT,
    shell:
        "python -m pipeline.train --hparams {params.hparams:q} --model-dir results/models/{wildcards.model}"
        " --train {input.train} --dev {input.dev} --out-dir $(dirname {output.summary})"
        " --seed {wildcards.seed} --threads {threads} {params.placement} > {log} 2>&1"
