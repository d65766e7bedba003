# Data: stage the release files, parse + linearise, draw low-data subsets.


# one staging per release: the data sets prepared from it (XSUM and its topic and low-data
# variants) share its files. The files in resources/ are a cache shared by every configuration
# (a file staged and unchanged is not staged again); each configuration has its own manifest.
rule download:
    output:
        manifest=out("staging/{release}.json"),
    log:
        logs("download/{release}.log"),
    conda:
        "../../envs/data.yaml"
    params:
        files=lambda w: " ".join(release_files(w.release)),
        mirror=lambda w: (
            f"--mirror {config['data']['mirror']}" if config["data"]["mirror"] else ""
        ),
        verify="" if config["data"]["verify_canonical"] else "--no-verify-canonical",
    shell:
        "python -m pipeline.data.download --dataset {wildcards.release} --files {params.files}"
        " --out-dir resources/{wildcards.release} --manifest {output.manifest}"
        " {params.mirror} {params.verify} > {log} 2>&1"


rule prepare:
    input:
        lambda w: out("staging", f"{staging_of(w.dataset)}.json"),
    output:
        train=out("data/{dataset}/train.jsonl"),
        dev=out("data/{dataset}/dev.jsonl"),
        test=out("data/{dataset}/test.jsonl"),
        meta=out("data/{dataset}/meta.json"),
    log:
        logs("prepare/{dataset}.log"),
    conda:
        "../../envs/data.yaml"
    params:
        release=lambda w: staging_of(w.dataset),
        pool=lambda w: dataset_cfg(w.dataset)["train_pool"],
        subset=lambda w: " ".join(
            f"--{split}-{k} {v}"
            for split in ("test", "dev")
            for k, v in (dataset_cfg(w.dataset)[f"{split}_subset"] or {}).items()
        ),
        topics=lambda w: (
            f"--topic-split {dataset_cfg(w.dataset)['topic_split']}"
            if dataset_cfg(w.dataset)["topic_split"]
            else ""
        ),
    shell:
        "python -m pipeline.data.prepare --dataset {params.release}"
        " --raw-dir resources/{params.release} --out-dir $(dirname {output.meta})"
        " --train-pool {params.pool} {params.subset} {params.topics} > {log} 2>&1"


rule subsample:
    input:
        train=out("data/{dataset}/train.jsonl"),
        dev=out("data/{dataset}/dev.jsonl"),
    output:
        train=out("data/{dataset}/lowdata/low{size}s{subset}/train.jsonl"),
        dev=out("data/{dataset}/lowdata/low{size}s{subset}/dev.jsonl"),
    log:
        logs("subsample/{dataset}/low{size}s{subset}.log"),
    conda:
        "../../envs/data.yaml"
    params:
        same_pool=lambda w: (
            "--same-pool" if dataset_cfg(w.dataset)["train_pool"] == "dev" else ""
        ),
        fraction=lowdata_fraction,
    shell:
        "python -m pipeline.data.subsample --train-pool {input.train} --dev-pool {input.dev}"
        " --size {wildcards.size} --subset {wildcards.subset} --dev-fraction {params.fraction}"
        " {params.same_pool} --out-train {output.train} --out-dev {output.dev} > {log} 2>&1"


rule fraction:
    input:
        train=out("data/{dataset}/train.jsonl"),
        dev=out("data/{dataset}/dev.jsonl"),
    output:
        train=out("data/{dataset}/fractions/pct{percent}/train.jsonl"),
        dev=out("data/{dataset}/fractions/pct{percent}/dev.jsonl"),
    log:
        logs("fraction/{dataset}/pct{percent}.log"),
    conda:
        "../../envs/data.yaml"
    shell:
        "python -m pipeline.data.subsample --train-pool {input.train} --dev-pool {input.dev}"
        " --percent {wildcards.percent} --out-train {output.train} --out-dev {output.dev}"
        " > {log} 2>&1"
