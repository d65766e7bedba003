"""Score a hypothesis file (one output per test instance, in test order) and write JSON.

Usage: python -m pipeline.evaluate --dataset e2e --hyp outputs.txt --test test.jsonl
       [--protocol official|paper] [--out metrics.json]

Prints the JSON when --out is not given, so outputs produced elsewhere can be scored too.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version

from pipeline.errors import PipelineError
from pipeline.io import read_jsonl, read_lines, write_json
from pipeline.metrics import e2e
from pipeline.runtime import entry_point


class HypothesisCountError(PipelineError, ValueError):
    pass


def versions() -> dict[str, str]:
    return {p: version(p) for p in ("sacrebleu", "pycocoevalcap", "prefix-repro") if _installed(p)}


def _installed(pkg: str) -> bool:
    try:
        version(pkg)
        return True
    except Exception:
        return False


def evaluate(dataset: str, hyp_path: str, test_path: str, protocol: str = "official") -> dict:
    hyps = read_lines(hyp_path)
    test = read_jsonl(test_path)
    if len(hyps) != len(test):
        raise HypothesisCountError(
            f"{hyp_path}: {len(hyps)} lines, but the test set {test_path} has {len(test)} "
            "instances (one output per instance, in test order)"
        )
    refs = [t["refs"] for t in test]
    t0 = time.time()
    if dataset != "e2e":
        raise ValueError(f"no metrics for data set {dataset!r} yet")
    result = e2e.score(hyps, refs, protocol)
    result.update(
        {
            "dataset": dataset,
            "instances": len(hyps),
            "hypotheses": str(hyp_path),
            "versions": versions(),
        }
    )
    # timing goes to the log, not the result: metrics files must be byte-identical across runs
    print(f"scored {len(hyps)} instances in {time.time() - t0:.1f} s", file=sys.stderr)
    return result


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dataset", required=True, choices=["e2e"])
    p.add_argument("--hyp", required=True)
    p.add_argument("--test", required=True, help="prepared test set (test.jsonl)")
    p.add_argument("--protocol", default="official", choices=sorted(e2e.PROTOCOLS))
    p.add_argument("--out", default=None)
    a = p.parse_args(argv)
    result = evaluate(a.dataset, a.hyp, a.test, a.protocol)
    if a.out:
        write_json(a.out, result)
    else:
        json.dump(result, sys.stdout, indent=2)
        print()


if __name__ == "__main__":
    entry_point(main)
