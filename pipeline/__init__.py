"""prefix-repro: the importable package behind the Snakemake rules.

Every rule calls one entry point here (``python -m pipeline.<module> ...``); the rules
themselves only wire files together.
"""

__version__ = "0.1.0"
