"""Data stages: staging raw releases, parsing + linearisation, low-data subsampling."""
