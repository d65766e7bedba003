"""Tables and figures built from ``results/``, each with the paper's numbers beside ours."""
