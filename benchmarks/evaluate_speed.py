"""Wall time of the scoring command on full-size test sets (target: under a minute each):
WebNLG's 1,862 entries (all / seen / unseen) and DART's 5,097 XML entries (the official kit's
line count), every metric including the Java step.

The outputs scored are references with every 4th word dropped (a stand-in system: exact
copies would hit TER's exact-match shortcut and flatter the timing). Needs ../shared/data.

Usage: python benchmarks/evaluate_speed.py [--threads 2] [--mirror ../shared/data]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine


def degraded(text: str) -> str:
    return " ".join(w for i, w in enumerate(text.split()) if i % 4 != 3)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--mirror", type=Path, default=ROOT.parent / "shared" / "data")
    a = p.parse_args()
    from pipeline.data import dart, webnlg

    cases = {
        "webnlg": (a.mirror / "webnlg2017/test/testdata_with_lex.xml", webnlg.read_test),
        "dart": (
            a.mirror / "dart/dart-v1.1.1-full-test.xml",
            lambda f: dart.read_test_xml(f, dedup=False),
        ),
    }
    print(f"# scoring command, every metric, --threads {a.threads}")
    print(f"machine: {machine()}\n")
    print("| data set | lines | seconds | scores |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for name, (test, read) in cases.items():
            if not test.exists():
                print(f"| {name} | – | skipped: {test} absent | |")
                continue
            hyp = Path(d) / f"{name}.txt"
            hyp.write_text("\n".join(degraded(t["refs"][0]) for t in read(test)) + "\n")
            cmd = [
                sys.executable,
                "-m",
                "pipeline.evaluate",
                "--dataset",
                name,
                "--hyp",
                str(hyp),
                "--test",
                str(test),
                "--threads",
                str(a.threads),
            ]
            t0 = time.perf_counter()
            res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
            secs = time.perf_counter() - t0
            if res.returncode != 0:
                raise SystemExit(res.stderr[-2000:])
            import json

            out = json.loads(res.stdout)
            scores = ", ".join(f"{k} {v:.3f}" for k, v in sorted(out["scores"].items()))
            print(f"| {name} | {out['instances']} | {secs:.1f} | {scores} |", flush=True)


if __name__ == "__main__":
    main()
