"""The low-data figure (paper Fig. 3): each E2E metric vs training size, prefix vs
fine-tuning, mean ± sd over subsets × seeds, saved as PNG and PDF.

Usage: python -m pipeline.report.figures --spec JSON --out-prefix results/figures/lowdata
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.io import atomic_path  # noqa: E402
from pipeline.report.cli import exhibit_main
from pipeline.report.collect import METRICS, collect  # noqa: E402

LABELS = {
    "BLEU": "BLEU",
    "NIST": "NIST",
    "METEOR": "METEOR",
    "ROUGE_L": "ROUGE-L",
    "CIDEr": "CIDEr",
}


def lowdata_points(df):
    """{method: DataFrame[size, metric_mean, metric_sd, n]} over low-data runs."""
    low = df[df["size"].notna()]
    out = {}
    for method, g in low.groupby("method", sort=True):
        agg = g.groupby("size")[list(METRICS)].agg(["mean", "std", "count"])
        out[method] = agg
    return out


def build(spec: dict, out_prefix: str, results_dir: str = "results") -> None:
    df = collect(spec["runs"], results_dir)
    points = lowdata_points(df)
    fig, axes = plt.subplots(1, len(METRICS), figsize=(3.2 * len(METRICS), 3.0))
    for ax, m in zip(axes, METRICS):
        for method, agg in points.items():
            sizes = agg.index.to_numpy()
            ax.errorbar(
                sizes,
                agg[(m, "mean")],
                yerr=agg[(m, "std")].fillna(0),
                marker="o",
                capsize=3,
                label=method,
            )
        ax.set_xscale("log")
        ax.set_xticks(sorted(df["size"].dropna().unique()))
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.get_xaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("training examples")
        ax.set_title(LABELS[m])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    n = int(df.groupby(["method", "size"]).size().min()) if len(df) else 0
    fig.suptitle(
        f"E2E low-data (scale: {spec['scale']}; mean ± sd, n ≥ {n} per point)", fontsize=10
    )
    fig.tight_layout()
    for ext in ("png", "pdf"):
        with atomic_path(f"{out_prefix}.{ext}") as tmp:
            # no creation date or software version: the same results give the same bytes
            meta = {"CreationDate": None} if ext == "pdf" else {"Software": None}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
    plt.close(fig)


if __name__ == "__main__":
    exhibit_main(build, __doc__.splitlines()[0])
