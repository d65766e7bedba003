"""Process-wide settings every entry point makes first: threads and seeds."""

from __future__ import annotations

import os
import random


def set_threads(n: int) -> None:
    """Pin torch to ``n`` threads (from the rule's ``threads``).

    On a shared 2-core box a second, descheduled OpenMP thread makes every op wait on it:
    two threads ran 4-15x slower than one there, so never rely on torch's default.
    """
    import torch

    os.environ["OMP_NUM_THREADS"] = str(n)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass


def seed_everything(seed: int):
    """Seed Python, NumPy and torch; return a torch Generator for the data order."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def entry_point(main):
    """Run a module's ``main``: bad input exits 1 with one readable line, no traceback."""
    import sys

    from pipeline.errors import PipelineError

    try:
        main()
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)
