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
        "../../envs/torch.yaml"
    threads: per_process("train_threads")
    resources:
        mem_mb=per_process("train_mem_mb"),
        gpu=per_process("train_gpu"),
        local_gpus=per_process("train_gpu"),
        runtime=train_runtime,
    params:
        hparams=lambda w: as_json(run_of(w).hparams),
        placement=placement,
        launch=launcher,
        each=config["resources"]["train_threads"],  # threads per process
    shell:
        "{params.launch} pipeline.train --hparams {params.hparams:q} --model-dir results/models/{wildcards.model}"
        " --train {input.train} --dev {input.dev} --out-dir $(dirname {output.summary})"
        " --seed {wildcards.seed} --threads {params.each} {params.placement} > {log} 2>&1"
