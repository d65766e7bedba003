"""``config/README.md``: every configuration key, its type, default and description, written
from the schema (``pipeline/schemas/config.schema.yaml``), so that the reference cannot drift
from what the validator accepts (a test regenerates it and compares).

Usage: python -m pipeline.config_docs > config/README.md
"""

from __future__ import annotations

import json

import yaml

from pipeline.config import SCHEMA_PATH

HEADER = """# Configuration reference

Generated from `pipeline/schemas/config.schema.yaml` by `python -m pipeline.config_docs`; do
not edit by hand. A configuration is validated against the schema before any job runs
(unknown keys are errors) and expanded into runs by `pipeline/config.py`. The shipped
configurations:

| file | what for |
|---|---|
| `config.yaml` | the paper (default; GPU + internet) |
| `demo.yaml` | the CPU demo (`make demo`) |
| `smoke.yaml` | tests and CI: every method and data set on tiny random models |
| `cpu-lowdata.yaml` | the first CPU low-data grid (random prefix initialisation) |
| `cpu-claims.yaml`, `cpu-claims-lr.yaml` | the paper-protocol low-data and initialisation grids, and their lr choice |
| `deviations.yaml` | measured effects of the released code's choices |
| `precision.yaml` | the precision study: each run in fp32 and bf16, paired (`make precision-study`) |

Each configuration writes under `results/<name>/` (its `name:`, else its file's stem).
"""


def _type(node: dict) -> str:
    if "enum" in node:
        return " \\| ".join("null" if v is None else f"`{v}`" for v in node["enum"])
    if "$ref" in node:
        return f"see {node['$ref'].rsplit('/', 1)[-1]}"
    t = node.get("type", "object")
    return " or ".join(t) if isinstance(t, list) else t


def _default(node: dict) -> str:
    if "default" not in node:
        return ""
    return f"`{json.dumps(node['default'])}`"


def _rows(node: dict, prefix: str) -> list[str]:
    rows = []
    for key, child in node.get("properties", {}).items():
        name = f"{prefix}{key}"
        desc = " ".join(child.get("description", "").split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(child)} | {_default(child)} | {desc} |")
        rows += _rows(child, f"{name}.")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and "$ref" in extra:
        rows.append(
            f"| `{prefix}<name>` | see {extra['$ref'].rsplit('/', 1)[-1]} | | one entry per name |"
        )
    return rows


def _table(node: dict, prefix: str = "") -> list[str]:
    return ["| key | type | default | description |", "|---|---|---|---|", *_rows(node, prefix)]


def render() -> str:
    schema = yaml.safe_load(SCHEMA_PATH.read_text())
    parts = [HEADER, "## Top level", "", " ".join(schema.get("description", "").split()), ""]
    parts += _table(schema)
    for name, node in schema.get("$defs", {}).items():
        parts += ["", f"## {name}", ""]
        if node.get("description"):
            parts += [" ".join(node["description"].split()), ""]
        parts += _table(node)
    return "\n".join(parts) + "\n"


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
