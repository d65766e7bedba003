"""The paper's figures from run results, mean ± sd over subsets × seeds (and every run as a
faint dot beside its mean), as PNG and PDF.

- ``lowdata`` (Fig. 3): each metric vs training size, one line per method, a row per data set
  (E2E, XSUM).
- ``prefix_length`` (Fig. 4): each metric vs prefix length L, a row per data set (XSUM, DART),
  with the training loss where training ended and the kept checkpoint's dev loss beside them
  (the paper: longer prefixes reach a lower training loss but overfit slightly).
- ``init`` (Fig. 5): each metric per initialisation (random, or the phrase the prefix was
  initialised from), E2E at a low-data size.

The paper's claims for the figure are printed beneath it (the paper gives no numbers).

Usage: python -m pipeline.report.figures --spec JSON --out-prefix results/figures/lowdata
       (the spec's ``kind`` picks the figure; lowdata by default)
"""

from __future__ import annotations

import textwrap
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.data import registry  # noqa: E402
from pipeline.io import atomic_path  # noqa: E402
from pipeline.report.cli import exhibit_main  # noqa: E402
from pipeline.report.collect import collect, init_labels, precision_note  # noqa: E402
from pipeline.report.paper import paper_numbers  # noqa: E402

# the metrics each figure plots per data set (the paper's panels)
TITLES = {
    "ROUGE_L": "ROUGE-L",
    "METEOR": "METEOR",
    "BLEU_all": "BLEU (all)",
    "TER_all": "TER (all)",
    "train_loss_end": "training loss (last 10% of steps)",
    "dev_loss": "dev loss (kept checkpoint)",
}
CLAIMS = {
    "lowdata": "lowdata_figure",
    "prefix_length": "prefix_length_figure",
    "init": "init_figure",
}


def panels_of(release: str) -> tuple[str, ...]:
    """The metrics a figure shows for a release (declared by its module)."""
    return registry.release_of(release).panels


def compared_initialisations(df: pd.DataFrame) -> pd.DataFrame:
    """The prefix runs of the sizes at which more than one initialisation was trained: an
    experiment of the low-data grid (one initialisation, every size) may lend its runs at the
    initialisation study's size without drawing its other sizes into the figure."""
    if "size" not in df or df["size"].isna().all():
        return df
    sizes = init_labels(df).groupby(df["size"]).nunique()
    return df[df["size"].isin(sizes[sizes > 1].index)]


def lines(df: pd.DataFrame, by: str | None) -> dict[str, pd.DataFrame]:
    """{line label: its runs}: one line per value of ``by``, or one unlabelled line."""
    return dict(list(df.groupby(by, sort=True))) if by else {"": df}


def points(df: pd.DataFrame, x: str, metrics, by: str | None) -> dict:
    """{line label: DataFrame indexed by x with (metric, mean|std|count) columns}."""
    return {
        label: g.groupby(x, observed=True)[list(metrics)].agg(["mean", "std", "count"])
        for label, g in lines(df, by).items()
    }


def _save(fig, out_prefix: str) -> None:
    for ext in ("png", "pdf"):
        with atomic_path(f"{out_prefix}.{ext}") as tmp:
            # no creation date or software version: the same results give the same bytes
            meta = {"CreationDate": None} if ext == "pdf" else {"Software": None}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
    plt.close(fig)


class Layout(NamedTuple):
    """How one kind of figure draws its runs: the points, the x axis, the lines."""

    df: pd.DataFrame
    x: str  # the column on the x axis
    by: str | None  # one line per value of this column (None: one line)
    categorical: bool = False  # x values as labelled points, not a numeric axis
    xscale: str = "linear"
    xlabel: str = ""
    losses: tuple[str, ...] = ()  # loss panels after the release's metric panels


def lowdata(df: pd.DataFrame) -> Layout:
    """Fig. 3: each method's scores against the training size (log axis)."""
    return Layout(
        df[df["size"].notna()], "size", "method", xscale="log", xlabel="training examples"
    )


def prefix_length(df: pd.DataFrame) -> Layout:
    """Fig. 4: prefix-tuning's scores against L (the other methods have no L)."""
    return Layout(
        df[df["type"] == "prefix"],
        "prefix_length",
        None,
        xlabel="prefix length L",
        losses=("train_loss_end", "dev_loss"),
    )


def init(df: pd.DataFrame) -> Layout:
    """Fig. 5: one point per initialisation, random first."""
    df = compared_initialisations(df[df["type"] == "prefix"])
    labels = init_labels(df)
    order = sorted(set(labels), key=lambda w: (w != "random", w))  # random first
    df = df.assign(init=pd.Categorical(labels, categories=order, ordered=True))
    return Layout(df, "init", None, categorical=True)


KINDS = {"lowdata": lowdata, "prefix_length": prefix_length, "init": init}


def build(spec: dict, out_prefix: str, results_dir: str = "results") -> None:
    kind = spec.get("kind", "lowdata")
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r} ({', '.join(KINDS)})")
    layout = KINDS[kind](collect(spec["runs"], results_dir))
    df, x, by = layout.df, layout.x, layout.by
    if "release" not in df:
        df = df.assign(release=df["dataset"])
    release = dict(zip(df["dataset"], df["release"]))
    datasets = sorted(release, key=lambda d: (registry.order(release[d]), d))
    width = max((len(panels_of(release[d])) for d in datasets), default=1) + len(layout.losses)
    fig, axes = plt.subplots(
        max(len(datasets), 1),
        width,
        figsize=(3.2 * width, 3.0 * max(len(datasets), 1) + 0.8),
        squeeze=False,
    )
    for row, dataset in enumerate(datasets):
        part = df[df["dataset"] == dataset]
        panels = panels_of(release[dataset]) + layout.losses
        means, runs = points(part, x, panels, by), lines(part, by)
        for ax, m in zip(axes[row], panels):
            for label, agg in means.items():
                xs = list(agg.index)
                bars = ax.errorbar(
                    range(len(xs)) if layout.categorical else xs,
                    agg[(m, "mean")],
                    yerr=agg[(m, "std")].fillna(0),
                    marker="o",
                    capsize=3,
                    linestyle="none" if layout.categorical else "-",
                    label=label or None,
                )
                # every run as a faint dot beside its mean: the spread is part of the claims
                own = runs[label].dropna(subset=[x])
                at = (
                    [xs.index(v) + 0.12 for v in own[x]]
                    if layout.categorical
                    else [v * 1.04 for v in own[x]]
                )
                ax.scatter(at, own[m], s=10, alpha=0.5, color=bars[0].get_color(), linewidths=0)
            if layout.categorical:
                ax.set_xticks(range(len(xs)), xs, rotation=45, ha="right", fontsize=7)
            else:
                ax.set_xscale(layout.xscale)
                ax.set_xticks(sorted(part[x].dropna().unique()))
                ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
                ax.get_xaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())
                ax.set_xlabel(layout.xlabel)
            ax.set_title(f"{dataset}: {TITLES.get(m, m)}", fontsize=9)
            ax.grid(alpha=0.3)
        for ax in axes[row][len(panels) :]:
            ax.axis("off")
        if by:
            axes[row][0].legend(fontsize=8)
    n = int(df.groupby(["dataset", x] + ([by] if by else [])).size().min()) if len(df) else 0
    claims = paper_numbers()[CLAIMS[kind]]["claims"]
    fig.suptitle(
        f"{kind} (scale: {spec['scale']}; {precision_note(df)}; mean ± sd, n ≥ {n} per point, "
        "dots: runs)",
        fontsize=10,
    )
    fig.text(
        0.01, 0.005,
        textwrap.fill("Paper: " + "; ".join(claims), 40 * width),
        fontsize=7, va="bottom",
    )  # fmt: skip
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    _save(fig, out_prefix)


if __name__ == "__main__":
    exhibit_main(build, __doc__.splitlines()[0])
