"""Score a hypothesis file (one output per test instance, in test order) and write JSON.

Usage: python -m pipeline.evaluate --dataset e2e|webnlg|dart|xsum --hyp outputs.txt
       [--test results/data/{dataset}/test.jsonl | a release test file]
       [--protocol official|paper] [--threads N] [--no-meteor] [--out metrics.json]

``--test`` defaults to the prepared test set. A release file works too, for outputs produced
elsewhere: E2E ``testset_w_refs.csv``, WebNLG ``testdata_with_lex.xml``, DART
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

from pipeline.data import dart, webnlg
from pipeline.data import e2e as e2e_data
from pipeline.data.prepare import DATASETS
from pipeline.errors import PipelineError
from pipeline.io import read_jsonl, read_lines, write_json
from pipeline.metrics import e2e, rouge, triples
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
    if dataset == "e2e" and path.suffix == ".csv":
        return e2e_data.grouped(path, "test")
    if dataset == "webnlg" and path.suffix == ".xml":
        return webnlg.read_test(path)
    if dataset == "dart" and path.suffix == ".xml":
        return dart.read_test_xml(path, dedup=False)
    raise ValueError(f"{path}: not a prepared test.jsonl or a {dataset} release test file")


def evaluate(
    dataset: str,
    hyp_path: str,
    test_path: str,
    protocol: str = "official",
    threads: int = 1,
    meteor: bool = True,
) -> dict:
    hyps = read_lines(hyp_path)
    test = load_test(dataset, test_path)
    if len(hyps) != len(test):
        raise HypothesisCountError(
            f"{hyp_path}: {len(hyps)} lines, but the test set {test_path} has {len(test)} "
            "instances (one output per instance, in test order)"
        )
    refs = [t["refs"] for t in test]
    t0 = time.time()
    if dataset == "e2e":
        result = e2e.score(hyps, refs, protocol)
    elif dataset in ("webnlg", "dart"):
        tracks = [t["track"] for t in test] if dataset == "webnlg" else None
        result = triples.score(hyps, refs, dataset, tracks, meteor=meteor, workers=threads)
    elif dataset == "xsum":
        result = rouge.score(hyps, refs)
    else:
        raise ValueError(f"no metrics for data set {dataset!r} ({', '.join(DATASETS)})")
    result.update(
        {
            "dataset": dataset,
            "instances": len(hyps),
            "test": str(test_path),
            "hypotheses": str(hyp_path),
            "versions": versions(),
        }
    )
    # timing goes to the log, not the result: metrics files must be byte-identical across runs
    print(f"scored {len(hyps)} instances in {time.time() - t0:.1f} s", file=sys.stderr)
    return result


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, choices=DATASETS)
    p.add_argument("--hyp", required=True)
    p.add_argument("--test", default=None, help="default: results/data/{dataset}/test.jsonl")
    p.add_argument("--protocol", default="official", choices=sorted(e2e.PROTOCOLS))
    p.add_argument("--threads", type=int, default=1, help="processes for TER")
    p.add_argument("--no-meteor", action="store_true", help="skip METEOR (no Java needed)")
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    test = a.test or f"results/data/{a.dataset}/test.jsonl"
    result = evaluate(a.dataset, a.hyp, test, a.protocol, a.threads, not a.no_meteor)
    if a.out:
        write_json(a.out, result)
    else:
        json.dump(result, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    entry_point(main)
