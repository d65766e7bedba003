"""Score a hypothesis file (one output per test instance, in test order) and write JSON.

Usage: python -m pipeline.evaluate --dataset e2e|webnlg|dart|xsum|... --hyp outputs.txt
       (--dataset may be left out when --test is a prepared test.jsonl: its meta.json names it)
       --test results/<config>/data/{dataset}/test.jsonl | a release test file
       [--protocol official|paper] [--threads N] [--part all|python|java] [--out F]
       python -m pipeline.evaluate --merge python.json java.json --out metrics.json

``--part`` splits the Java metrics (METEOR; for E2E also the PTB-tokenised ROUGE-L and
CIDEr) from the rest, so the workflow runs the JVM as a step of its own (XSUM has no Java
metric: its runs are scored with ``--part all`` in one step); ``--merge`` joins
halves, and ``--join python.json`` joins the half just computed with another one (the
workflow's Java step writes the run's metrics that way).

``--test`` is a prepared test set or a release file, for outputs produced elsewhere: E2E
``testset_w_refs.csv`` or the paper's tokenised ``src1_test.txt`` (references
grouped as its code grouped them; with ``--protocol paper`` this is the paper's own scoring,
``measure_scores.py -p`` on those references), WebNLG ``testdata_with_lex.xml``, DART
``dart-v1.1.1-full-test.xml`` (one line per XML entry: the official kit's 5,097, not the
paper's de-duplicated set). Prints the JSON when --out is not given. Every result records
the metric settings (a signature per metric) and the package versions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from pathlib import Path

from pipeline.data import registry
from pipeline.errors import PipelineError
from pipeline.io import read_json, read_jsonl, read_lines, write_json
from pipeline.provenance import project
from pipeline.runtime import entry_point


class HypothesisCountError(PipelineError, ValueError):
    pass


def versions() -> dict[str, str]:
    packages = ("sacrebleu", "pycocoevalcap", "rouge-score", "Unidecode", "prefix-repro")
    return {p: version(p) for p in packages if _installed(p)}


def _installed(pkg: str) -> bool:
    try:
        version(pkg)
        return True
    except Exception:
        return False


def load_test(dataset: str, test_path: str | Path) -> list[dict]:
    """Test instances from a prepared ``test.jsonl`` or a release test file."""
    path = Path(test_path)
    if path.suffix == ".jsonl":
        return read_jsonl(path)
    release = registry.release_of(dataset)
    if path.suffix in release.test_readers:
        return release.test_readers[path.suffix](path)
    raise ValueError(f"{path}: not a prepared test.jsonl or a {dataset} release test file")


def evaluate(
    dataset: str,
    hyp_path: str,
    test_path: str,
    protocol: str = "official",
    threads: int = 1,
    part: str = "all",
    tercom_jar: str | None = None,
) -> dict:
    hyps = read_lines(hyp_path)
    test = load_test(dataset, test_path)
    if len(hyps) != len(test):
        raise HypothesisCountError(
            f"{hyp_path}: {len(hyps)} lines, but the test set {test_path} has {len(test)} "
            "instances (one output per instance, in test order)"
        )
    t0 = time.time()
    result = registry.release_of(dataset).score(hyps, test, protocol, part, threads, tercom_jar)
    result.update(
        {
            "dataset": dataset,
            "part": part,
            "instances": len(hyps),
            "test": str(test_path),
            "hypotheses": str(hyp_path),
            "versions": versions(),
            "project": project(),  # this project's version and commit
        }
    )
    # timing goes to the log, not the result: metrics files must be byte-identical across runs
    print(f"scored {len(hyps)} instances in {time.time() - t0:.1f} s", file=sys.stderr)
    return result


def merge(parts: list[dict]) -> dict:
    """One result from its python and java halves (scores and signatures joined)."""
    first = parts[0]
    keys = ("dataset", "instances", "test", "hypotheses")
    for other in parts[1:]:
        if any(other[k] != first[k] for k in keys):
            raise ValueError(
                f"cannot merge results of different runs: {[p['hypotheses'] for p in parts]}"
            )
    out = {k: v for k, v in first.items() if k != "part"}
    out["scores"] = {k: v for p in parts for k, v in p["scores"].items()}
    out["signature"] = {k: v for p in parts for k, v in p["signature"].items()}
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--dataset", help="a release (pipeline.data.registry): e2e, webnlg, dart, xsum, ..."
    )
    p.add_argument("--hyp")
    p.add_argument(
        "--test", help="a prepared test.jsonl (results/<config>/data/...) or a release file"
    )
    p.add_argument("--protocol", default="official", choices=["official", "paper"], help="E2E")
    p.add_argument("--threads", type=int, default=1, help="processes for TER")
    p.add_argument("--part", default="all", choices=["all", "python", "java"])
    p.add_argument("--merge", nargs="+", default=None, help="join --part results")
    p.add_argument("--join", default=None, help="a --part result to join with this one")
    p.add_argument("--tercom-jar", default=None, help="TER by this tercom jar (Java step)")
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    if a.merge:
        result = merge([read_json(f) for f in a.merge])
    else:
        if a.dataset is None and a.test and Path(a.test).with_name("meta.json").exists():
            # a prepared test set says which release it came from (data sets can be renamed)
            a.dataset = read_json(Path(a.test).with_name("meta.json"))["dataset"]
        if not (a.dataset and a.hyp and a.test):
            p.error("--dataset, --hyp and --test are required (or --merge)")
        result = evaluate(a.dataset, a.hyp, a.test, a.protocol, a.threads, a.part, a.tercom_jar)
        if a.join:
            result = merge([read_json(a.join), result])
    if a.out:
        write_json(a.out, result)
    else:
        json.dump(result, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    entry_point(main)
