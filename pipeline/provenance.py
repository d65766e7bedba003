"""Which version of this project computed a result: its version and git commit.

Every kept result (train.json, decode and metric summaries) records it beside the machine, so
a number in an archive can be traced to the code that made it. An installed copy outside a
git checkout records its version and ``commit: null``.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from pipeline import __version__

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def project() -> dict:
    """``{"version", "commit", "dirty"}``; commit is None outside a git checkout."""
    info = {"version": __version__, "commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return info
    return {**info, "commit": commit, "dirty": bool(status.strip())}
