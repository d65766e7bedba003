"""Metric implementations equal to the official evaluation kits (see docs/metrics.md)."""
