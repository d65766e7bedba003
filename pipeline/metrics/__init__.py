"""Metric implementations equal to the official evaluation kits (see shared docs/metrics.md)."""
