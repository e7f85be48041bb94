"""`python -m arpu.demo`: the command of scripts/generate_billing.py."""

from arpu.demo.cli import main

# Guarded: a worker process started by spawn imports this module again.
if __name__ == "__main__":
    raise SystemExit(main())
