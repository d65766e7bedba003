"""The exhibits a configuration can ask for (an experiment's ``exhibits:``): one table per
data-set release (its title and paper source declared by the release's module), the
extrapolation table, and the paper's three figures. Light imports only: the workflow reads
this while it builds the DAG.
"""

from __future__ import annotations

from typing import NamedTuple

from pipeline.data import registry


class Exhibit(NamedTuple):
    stem: str  # output file stem; a figure's stem is its kind (pipeline.report.figures)
    title: str
    paper_source: str
    figure: bool
    # the module that builds it (python -m ...): tables.py or figures.py unless named
    builder: str | None = None
    # its runs include those of the experiments its experiments repeat (`repeat_of`)
    with_originals: bool = False

    @property
    def module(self) -> str:
        return self.builder or f"pipeline.report.{'figures' if self.figure else 'tables'}"


FIXED = {
    "extrapolation_table": Exhibit(
        "extrapolation",
        "Extrapolation (Table 4: XSUM topic splits; WebNLG unseen categories)",
        "ACL 2021 Tables 4 and 2",
        False,
    ),
    "lowdata_figure": Exhibit("lowdata", "low-data", "ACL Fig. 3", True),
    "prefix_length_figure": Exhibit("prefix_length", "prefix length", "ACL Fig. 4", True),
    "init_figure": Exhibit("init", "initialisation", "ACL Fig. 5", True),
    # an experiment that lists it repeats another (`repeat_of`) in another precision; the
    # table pairs their runs (pipeline.report.precision)
    "precision_table": Exhibit(
        "precision",
        "Precision study: each run in two precisions, paired",
        "not in the paper",
        False,
        builder="pipeline.report.precision",
        with_originals=True,
    ),
}


def exhibits() -> dict[str, Exhibit]:
    """Every exhibit by name: ``{release}_table`` per release, then the fixed ones."""
    tables = {
        f"{name}_table": Exhibit(
            name,
            r.exhibit_title or f"{r.display or name} test",
            r.paper_source or "not in the paper",
            False,
        )
        for name, r in sorted(registry.releases().items(), key=lambda kv: registry.order(kv[0]))
    }
    return {**tables, **FIXED}
