"""The model files that use a macro of the given macro files, directly or
through other macros: what `scripts/check --quick` lints after a macro
change, instead of every model. Reads dbt's manifests (one per input
source: the Stripe models are enabled only in a parse with arpu_billing_source
'stripe').

    python scripts/affected_models.py MANIFEST [MANIFEST ...] -- MACRO_FILE ...

Prints one path per line; prints `models/` (lint everything) when a macro
file defines no macro the manifests know (a file deleted or renamed)."""

from __future__ import annotations

import json
import sys

# adapter.dispatch('name') runs <adapter>__name: a change to one of those
# is a change to `name`.
DISPATCH_PREFIXES = ("default__", "duckdb__", "postgres__", "spark__")


def affected(manifests: list[dict], macro_files: set[str]) -> set[str] | None:
    macros: dict[str, dict] = {}
    nodes: dict[str, dict] = {}
    for manifest in manifests:
        macros.update(manifest["macros"])
        nodes.update(manifest["nodes"])
    changed = {uid for uid, macro in macros.items()
               if macro["original_file_path"] in macro_files}
    defined = {macros[uid]["original_file_path"] for uid in changed}
    if defined != macro_files:
        return None
    by_name = {}
    for uid, macro in macros.items():
        by_name.setdefault((macro["package_name"], macro["name"]), set()).add(uid)
    while True:
        grown = set(changed)
        for uid in changed:
            package, name = macros[uid]["package_name"], macros[uid]["name"]
            for prefix in DISPATCH_PREFIXES:
                if name.startswith(prefix):
                    grown |= by_name.get((package, name[len(prefix):]), set())
        grown |= {uid for uid, macro in macros.items()
                  if set(macro["depends_on"]["macros"]) & grown}
        if grown == changed:
            break
        changed = grown
    return {node["original_file_path"] for node in nodes.values()
            if node["resource_type"] == "model"
            and set(node["depends_on"]["macros"]) & changed}


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    manifests = [json.load(open(path)) for path in argv[:split]]
    models = affected(manifests, set(argv[split + 1:]))
    print("\n".join(["models/"] if models is None else sorted(models)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
