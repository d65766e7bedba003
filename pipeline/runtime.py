"""Process-wide settings every entry point makes first: threads and seeds."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def set_threads(n: int) -> None:
    """Pin torch to ``n`` threads (from the rule's ``threads``).

    On a shared 2-core box a second, descheduled OpenMP thread makes every op wait on it:
    two threads ran 4-15x slower than one there, so never rely on torch's default.
    """
    os.environ["OMP_NUM_THREADS"] = str(n)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass


def seed_everything(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
