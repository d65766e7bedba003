# prefix-repro: a reproduction of Prefix-Tuning (Li & Liang, ACL 2021) as one DAG.
#
#   download -> prepare -> subsample -> train -> decode -> score_python -> score_java -> table / figure
#                                                    (XSUM, no Java metric: decode -> score)
#   model acquisition --------------------^
#
# Configurations: config/config.yaml (the paper, default), config/demo.yaml (CPU demo),
# config/smoke.yaml (tests). Select one with --configfile; see README.md.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/decode.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/report.smk"


# Cheap or internet-bound steps run on the submitting host under a cluster executor;
# only train and decode become cluster jobs.
localrules:
    all,
    download,
    prepare,
    subsample,
    fraction,
    acquire_model,
    score_python,
    score_java,
    score,
    exhibit_spec,
    table,
    figure,
    table_datasets,


rule all:
    default_target: True
    input:
        all_targets(),
