# Evaluation: the official kits' metrics (BLEU, NIST, and METEOR/ROUGE-L/CIDEr via Java).


rule evaluate:
    input:
        hyp="results/runs/{experiment}/{dataset}/{model}/{method}/{regime}/seed{seed}/test.hyp.txt",
        test="results/data/{dataset}/test.jsonl",
    output:
        metrics="results/runs/{experiment}/{dataset}/{model}/{method}/{regime}/seed{seed}/test.metrics.json",
    log:
        "logs/evaluate/{experiment}/{dataset}/{model}/{method}/{regime}/seed{seed}.log",
    conda:
        "../../envs/pipeline.yaml"
    threads: 1
    params:
        protocol=config["evaluation"]["e2e_protocol"],
    shell:
        "python -m pipeline.evaluate --dataset {wildcards.dataset} --hyp {input.hyp}"
        " --test {input.test} --protocol {params.protocol} --threads {threads}"
        " --out {output.metrics} > {log} 2>&1"
