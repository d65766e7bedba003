# Decode every run: batched, prefix-aware beam search over the prepared test set.


rule decode:
    input:
        summary=out(RUN, "train.json"),
        test=out("data/{dataset}/test.jsonl"),
        model="results/models/{model}/acquired.json",
    output:
        hyp=out(RUN, "test.hyp.txt"),
        info=out(RUN, "test.decode.json"),
    log:
        logs("decode", f"{RUN_ID}.log"),
    benchmark:
        out("benchmarks/decode", f"{RUN_ID}.tsv")
    # finish started runs first (decode 1, scoring 2 over train's 0): on few cores a run's
    # metrics land, and can be archived, as soon as its training ends
    priority: 1
    conda:
        "../../envs/torch.yaml"
    threads: per_process("decode_threads")
    resources:
        mem_mb=per_process("decode_mem_mb"),
        gpu=per_process("decode_gpu"),
        local_gpus=per_process("decode_gpu"),
        runtime=config["resources"]["decode_runtime_min"],
    params:
        hparams=lambda w: as_json(run_of(w).hparams),
        decoding=lambda w: as_json(decoding_of(w.dataset)),
        placement=placement,
        launch=launcher,
        each=config["resources"]["decode_threads"],  # threads per process
        weights=lambda w: "" if keeps_weights(w) else "--discard-weights",
    shell:
        "{params.launch} pipeline.decode --hparams {params.hparams:q} --run-dir $(dirname {input.summary})"
        " --model-dir results/models/{wildcards.model} --test {input.test}"
        " --decoding {params.decoding:q} --out {output.hyp} --info {output.info}"
        " --threads {params.each} {params.placement} {params.weights} > {log} 2>&1"
