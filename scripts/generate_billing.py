#!/usr/bin/env python3
"""Generate a deterministic folder of demo billing CSV files.

The generator is the package arpu.demo (src/arpu/demo/, described there);
this is its command, kept here for every documented
`python scripts/generate_billing.py --out DIR ...`.
"""

import sys
from pathlib import Path

# This checkout's package, whichever arpu is installed (or none): the demo
# follows this checkout's contract, as it always did.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from arpu.demo.cli import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
