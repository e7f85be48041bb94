"""The demo billing data: a deterministic folder of contract files.

The files follow the billing input contract (billing-contract.md): one
``<table>.csv`` per contract table, header row, ``\\n`` line endings, empty
field = NULL, booleans ``true``/``false``, dates ``YYYY-MM-DD`` and
timestamps ``YYYY-MM-DD HH:MM:SS``.

The data is synthetic but shaped like a real B2B SaaS ledger: accounts that
sign up over the whole range, free plans and trials, monthly / quarterly /
annual / two-year billing, per-seat plans with prorated mid-period seat
upgrades, committed and metered usage, setup fees, tax lines, discounts,
credits, refunds, void and uncollectible invoices, churn and reactivation,
three currencies with moving FX rates, and acquisition spend.

A handful of deliberately broken rows is appended at the end (see
``bad_rows``) so that the quarantine (rejected-rows model) has something to
show. Everything else is valid under the contract.

Usage::

    python scripts/generate_billing.py [--out DIR] [--seed N] [--accounts N]
                                       [--start-month YYYY-MM] [--months N]
                                       [--format csv|parquet] [--jobs N]
                                       [--shape contract|stripe]

or ``python -m arpu.demo`` with the same options (cli.py).

With ``--shape stripe`` the same demo is written as Fivetran's Stripe tables
instead (see ``stripe.to_stripe``), for ``arpu build --source stripe``: it
must give the same marts as the contract files.

About 850,000 accounts over 36 months make about 10M invoice lines (see
writing.CHUNK_ACCOUNTS for how large runs are split).

The output depends only on the arguments: the same arguments give
byte-identical files. Besides the standard library it reads only the
contract's columns, from the project (arpu.contract); all randomness comes
from one ``random.Random(seed)`` (generator.py) and all money is computed
with ``Decimal``.

The modules, in the order a run goes through them: model (the contract's
columns, constants, formatting, the objects), catalogue (plans, prices,
who buys), generator (one run) with its parts accounts, subscriptions,
ledger and bad_rows; stripe with stripe_model and stripe_ledger (the
Stripe shape); writing (files, chunks, Parquet) and cli.
"""

from arpu.demo.cli import main
from arpu.demo.generator import Generator
from arpu.demo.model import COLUMNS
from arpu.demo.stripe import to_stripe
from arpu.demo.writing import generate, generate_stripe, output_columns

__all__ = ["COLUMNS", "Generator", "generate", "generate_stripe", "main", "output_columns",
           "to_stripe"]
