"""Every data-set release the pipeline knows: the modules of ``pipeline.data`` that define
``RELEASE`` (a ``pipeline.data.release.DataSet``), found by name, so that adding a data set
touches no other file. ``get(name)`` returns a release (or a copy of one) and names the known
ones when ``name`` is not among them.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from pipeline.data.release import DataSet
from pipeline.errors import PipelineError


class UnknownRelease(PipelineError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


@functools.cache
def stagings() -> dict[str, DataSet]:
    """Every release and every copy of one, by the name its files are staged under."""
    import pipeline.data as package

    found = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        path = Path(info.module_finder.path, f"{info.name}.py")
        # only the modules that declare a release are imported (the others pull in pandas...)
        if not path.exists() or "\nRELEASE = " not in path.read_text(encoding="utf-8"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        release = getattr(module, "RELEASE", None)
        if isinstance(release, DataSet):
            if release.name in found:
                raise PipelineError(f"two modules define the release {release.name!r}")
            found[release.name] = release
    return found


def releases() -> dict[str, DataSet]:
    """The releases a configuration can name (copies excluded), in the paper's order."""
    return {n: r for n, r in stagings().items() if r.copy_of is None}


def get(name: str) -> DataSet:
    try:
        return stagings()[name]
    except KeyError:
        raise UnknownRelease(
            f"unknown data-set release {name!r} (known: {', '.join(sorted(stagings()))})"
        ) from None


def release_of(name: str) -> DataSet:
    """The release a staging is prepared and scored as (a copy's original)."""
    staged = get(name)
    return get(staged.copy_of[0]) if staged.copy_of else staged


def staging(release: str, copy: str = "canonical") -> str:
    """The staged files a data set is prepared from: its release's, or a copy of them."""
    if copy == "canonical":
        return get(release).name
    for name, staged in stagings().items():
        if staged.copy_of == (release, copy):
            return name
    copies = sorted(f"{r.copy_of[0]}:{r.copy_of[1]}" for r in stagings().values() if r.copy_of)
    raise UnknownRelease(f"no {copy!r} copy of {release!r} (known copies: {', '.join(copies)})")


def order(name: str) -> int:
    """A release's place in the paper's order (E2E, WebNLG, DART, XSUM, then the others)."""
    paper = ("e2e", "webnlg", "dart", "xsum")
    return paper.index(name) if name in paper else len(paper) + sorted(releases()).index(name)
