"""Tests of arpu.demo (the demo billing data generator, whose command is
scripts/generate_billing.py).

No dbt needed: its output is checked against the billing contract
(row-level rules re-implemented here) and for every feature the demo data
is meant to show.
"""

import calendar
import csv
import inspect
import json
import re
import sys
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from arpu import demo
from arpu.demo import catalogue, model, stripe_model, writing

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "generate_billing.py"
PACKAGE = Path(demo.__file__).parent

DEC_RE = re.compile(r"^-?\d+(\.\d+)?$")
INT_RE = re.compile(r"^-?\d+$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?$")
MONEY_RE = re.compile(r"^-?\d+\.\d{2}$")
CHARGE_TYPES = {"recurring", "usage", "one_time", "tax"}
STATUSES = {"paid", "open", "void", "uncollectible"}


# --------------------------------------------------------------------------
# Contract casts (billing-contract.md), strict.
# --------------------------------------------------------------------------
def t(v):
    """Trimmed text, empty = NULL."""
    v = (v or "").strip()
    return v or None


def is_date(v):
    if v is None or not DATE_RE.match(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def is_ts(v):
    if v is None or not TS_RE.match(v):
        return False
    try:
        datetime.fromisoformat(v)
    except ValueError:
        return False
    return True


def d(v):
    return date.fromisoformat(v)


def ts(v):
    return datetime.fromisoformat(v)


def add_months(x, n):
    y, m0 = divmod(x.month - 1 + n, 12)
    y += x.year
    return date(y, m0 + 1, min(x.day, calendar.monthrange(y, m0 + 1)[1]))


def whole_months(ps, pe):
    """metrics.md section 2: k when [ps, pe) is k whole months, else None."""
    k = (pe.year - ps.year) * 12 + pe.month - ps.month
    if k < 1:
        return None

    def last(x):
        return x.day == calendar.monthrange(x.year, x.month)[1]

    if add_months(ps, k) == pe or (last(ps) and (last(pe) or pe.day >= ps.day)):
        return k
    return None


# --------------------------------------------------------------------------
# Fixtures.
# --------------------------------------------------------------------------
def read_table(folder, name):
    with open(folder / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("billing")
    counts = demo.generate(folder)  # the defaults: what demo_data holds
    return folder, counts


@pytest.fixture(scope="module")
def data(out):
    folder, _ = out
    return {name: read_table(folder, name) for name in demo.COLUMNS}


class Checked:
    """Row-level contract validation of the generated tables."""

    def __init__(self, data):
        self.data = data
        acc_ids = Counter(a["account_id"] for a in data["accounts"])
        self.accounts = {}
        for a in data["accounts"]:
            ok = (t(a["account_id"]) and acc_ids[a["account_id"]] == 1
                  and is_ts(t(a["created_at"]))
                  and (t(a["employee_count"]) is None or INT_RE.match(t(a["employee_count"])))
                  and (t(a["is_test"]) is None or t(a["is_test"]).lower() in ("true", "false")))
            if ok:
                self.accounts[a["account_id"].strip()] = a
        self.rates = defaultdict(list)
        for r in data["fx_rates"]:
            self.rates[r["currency"].strip().upper()].append(d(r["rate_date"]))
        ids = Counter(r["line_item_id"] for r in data["invoice_line_items"])
        self.line_reasons = {}
        self.lines = []  # accepted lines, normalized
        for r in data["invoice_line_items"]:
            why = self.reasons(r, ids)
            if why:
                self.line_reasons.setdefault(r["line_item_id"], []).append(why)
            else:
                self.lines.append(self.normalize(r))
        self.by_id = {x["line_item_id"]: x for x in self.lines}

    def reasons(self, r, ids):
        why = []
        for col in ("line_item_id", "invoice_id", "account_id", "charge_type",
                    "amount", "currency", "invoice_date", "invoice_status"):
            if t(r[col]) is None:
                why.append(f"null {col}")
        if ids[r["line_item_id"]] > 1:
            why.append("duplicate line_item_id")
        if t(r["account_id"]) and t(r["account_id"]) not in self.accounts:
            why.append("unknown account")
        ct = (t(r["charge_type"]) or "").lower()
        if ct not in CHARGE_TYPES:
            why.append("unknown charge_type")
        if (t(r["invoice_status"]) or "").lower() not in STATUSES:
            why.append("unknown invoice_status")
        if t(r["amount"]) and not DEC_RE.match(t(r["amount"])):
            why.append("amount does not cast")
        disc = t(r["discount_amount"])
        if disc is not None and not DEC_RE.match(disc):
            why.append("discount does not cast")
        elif disc is not None and Decimal(disc) < 0:
            why.append("negative discount")
        if t(r["quantity"]) is not None and not INT_RE.match(t(r["quantity"])):
            why.append("quantity does not cast")
        if t(r["is_committed"]) is not None and t(r["is_committed"]).lower() not in ("true", "false"):
            why.append("is_committed does not cast")
        inv_ok = is_date(t(r["invoice_date"]))
        if t(r["invoice_date"]) and not inv_ok:
            why.append("invoice_date does not cast")
        ps, pe = t(r["period_start"]), t(r["period_end"])
        for v in (ps, pe):
            if v is not None and not is_date(v):
                why.append("period does not cast")
        if (ps is None) != (pe is None):
            why.append("only one period bound")
        elif ps and pe and is_date(ps) and is_date(pe) and d(pe) <= d(ps):
            why.append("period_end <= period_start")
        committed = (t(r["is_committed"]) or "").lower() == "true"
        if (ct == "recurring" or (ct == "usage" and committed)) and ps is None and pe is None:
            why.append("recurring without period")
        if t(r["updated_at"]) is not None and not is_ts(t(r["updated_at"])):
            why.append("updated_at does not cast")
        cur = (t(r["currency"]) or "").upper()
        if cur and cur != "USD" and inv_ok:
            if not any(x <= d(t(r["invoice_date"])) for x in self.rates.get(cur, [])):
                why.append("currency without rate")
        return why

    def normalize(self, r):
        x = {k: t(v) for k, v in r.items()}
        x["charge_type"] = x["charge_type"].lower()
        x["invoice_status"] = x["invoice_status"].lower()
        x["currency"] = x["currency"].upper()
        x["amount"] = Decimal(x["amount"])
        x["discount_amount"] = Decimal(x["discount_amount"] or "0")
        x["net"] = x["amount"] - x["discount_amount"]
        x["quantity"] = int(x["quantity"]) if x["quantity"] else None
        x["invoice_date"] = d(x["invoice_date"])
        x["period_start"] = d(x["period_start"]) if x["period_start"] else None
        x["period_end"] = d(x["period_end"]) if x["period_end"] else None
        x["committed"] = (x["is_committed"] or "").lower() == "true"
        x["recurring"] = x["charge_type"] == "recurring" or (
            x["charge_type"] == "usage" and x["committed"])
        x["is_test"] = (t(self.accounts[x["account_id"]]["is_test"]) or "").lower() == "true"
        return x

    def paid(self, charge_types=("recurring", "usage", "one_time")):
        return [x for x in self.lines if x["invoice_status"] == "paid"
                and x["charge_type"] in charge_types]


@pytest.fixture(scope="module")
def chk(data):
    return Checked(data)


# --------------------------------------------------------------------------
# Determinism, files, CLI.
# --------------------------------------------------------------------------
def test_same_arguments_give_byte_identical_files(tmp_path, out):
    folder, counts = out
    again = tmp_path / "again"
    assert demo.generate(again) == counts
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"{n}.csv" for n in demo.COLUMNS)
    for name in names:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name


def test_the_default_arguments_give_the_bundled_demo(out, project_root):
    """demo_data/ is what the generator writes by default, byte for byte:
    a change to the generator that moves one value fails here."""
    folder, _ = out
    bundled = project_root / "demo_data"
    assert sorted(p.name for p in bundled.iterdir()) == sorted(p.name for p in folder.iterdir())
    for path in sorted(bundled.iterdir()):
        assert path.read_bytes() == (folder / path.name).read_bytes(), path.name


def test_another_seed_gives_other_data(tmp_path, out):
    folder, _ = out
    demo.generate(tmp_path, seed=7)
    assert (tmp_path / "invoice_line_items.csv").read_bytes() != \
        (folder / "invoice_line_items.csv").read_bytes()


def test_generate_signature_and_defaults():
    sig = inspect.signature(demo.generate)
    assert list(sig.parameters) == ["out_dir", "seed", "accounts", "start_month", "months",
                                    "file_format", "jobs"]
    p = sig.parameters
    assert p["seed"].default == 42
    assert p["accounts"].default == 400
    assert p["start_month"].default == date(2024, 9, 1)
    assert p["months"].default == 27


def test_headers_counts_format_and_size(out, data):
    folder, counts = out
    total = 0
    for name, cols in demo.COLUMNS.items():
        raw = (folder / f"{name}.csv").read_bytes()
        total += len(raw)
        assert b"\r" not in raw
        assert raw.endswith(b"\n")
        assert raw.decode("utf-8").split("\n", 1)[0] == ",".join(cols)
        assert counts[name] == len(data[name]) > 0
    assert total < 5 * 1024 * 1024
    assert counts["accounts"] == 400


def test_cli_and_small_range(tmp_path, capsys):
    assert demo.main(["--out", str(tmp_path), "--seed", "3", "--accounts", "60",
                    "--start-month", "2023-01", "--months", "14"]) == 0
    assert "invoice_line_items" in capsys.readouterr().out
    chk = Checked({n: read_table(tmp_path, n) for n in demo.COLUMNS})
    assert len(chk.data["accounts"]) == 60
    dates = [x["invoice_date"] for x in chk.lines]
    assert min(dates) >= date(2023, 1, 1) and max(dates) <= date(2024, 2, 20)
    assert len(chk.line_reasons) == 9
    with pytest.raises(SystemExit):
        demo.main(["--out", str(tmp_path), "--start-month", "2024/09"])
    with pytest.raises(ValueError):
        demo.generate(tmp_path, accounts=5)


def test_the_generator_has_no_third_party_imports():
    """Besides the standard library it imports only the project's reader of
    the contract (arpu.contract, and arpu.runner to find the project);
    duckdb only inside the function that writes Parquet."""
    src = "\n".join(p.read_text() for p in [SCRIPT, *sorted(PACKAGE.glob("*.py"))])
    mods = {a or b for a, b in re.findall(r"^(?:from (\w+)\S* import |import (\w+))",
                                           src, re.M)}
    assert {"csv", "random", "decimal"} <= mods
    assert mods - {"arpu"} <= set(sys.stdlib_module_names)
    project = {m for m in re.findall(r"^from (arpu[.\w]*) import ", src, re.M)
               if not m.startswith("arpu.demo")}
    assert project == {"arpu.contract", "arpu.runner"}
    assert "random.Random(seed)" in src


# --------------------------------------------------------------------------
# Validity, and the deliberately bad rows.
# --------------------------------------------------------------------------
def test_only_the_deliberately_bad_lines_break_the_contract(chk, data):
    reasons = chk.line_reasons
    bad_rows = [r for r in data["invoice_line_items"] if r["line_item_id"] in reasons]
    assert 6 <= len(bad_rows) <= 10
    kinds = Counter(w for ws in reasons.values() for why in ws for w in why)
    assert kinds == Counter({
        "unknown charge_type": 1, "negative discount": 1,
        "recurring without period": 1, "period_end <= period_start": 1,
        "amount does not cast": 1, "invoice_date does not cast": 1,
        "duplicate line_item_id": 2, "unknown account": 1,
        "currency without rate": 1,
    })
    # each bad row is bad for one reason only
    assert all(len(why) == 1 for ws in reasons.values() for why in ws)
    dup = [i for i, ws in reasons.items() if ws[0] == ["duplicate line_item_id"]]
    assert len(dup) == 1 and len(reasons[dup[0]]) == 2
    assert any(r["amount"] == "12,50" for r in bad_rows)
    assert any(r["invoice_date"] == "2025/03/01" for r in bad_rows)
    assert any(r["currency"] == "JPY" for r in bad_rows)


def test_valid_rows_are_well_formed(chk, data):
    for r in data["invoice_line_items"]:
        if r["line_item_id"] in chk.line_reasons:
            continue
        assert MONEY_RE.match(r["amount"])
        assert r["discount_amount"] == "" or MONEY_RE.match(r["discount_amount"])
        assert r["updated_at"] == "" or re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
                                                 r["updated_at"])
        assert r["is_committed"] in ("", "true", "false")
    for x in chk.lines:
        if x["charge_type"] == "one_time":
            assert x["period_start"] is None
        if x["charge_type"] == "tax" and x["period_start"] is not None:
            assert any(y["invoice_id"] == x["invoice_id"] and y["charge_type"] != "tax"
                       and (y["period_start"], y["period_end"])
                       == (x["period_start"], x["period_end"]) for y in chk.lines)
        if x["updated_at"]:
            assert ts(x["updated_at"]).date() >= x["invoice_date"] - timedelta(days=0)
    for a in data["accounts"]:
        assert re.match(r"^acc_\d{4}$", a["account_id"])
        assert a["is_test"] in ("", "true", "false")
        assert re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", a["created_at"])
    assert all(re.match(r"^li_\d{7}$", x["line_item_id"]) for x in chk.lines)
    assert all(re.match(r"^inv_\d{6}$", x["invoice_id"]) for x in chk.lines)
    # one currency and one date per invoice
    per_inv = defaultdict(set)
    for x in chk.lines:
        per_inv[x["invoice_id"]].add((x["account_id"], x["currency"],
                                      x["invoice_date"], x["invoice_status"]))
    assert all(len(v) == 1 for v in per_inv.values())


def test_bad_user_and_bad_refund(chk, data):
    bad_users = [u for u in data["users"] if u["account_id"] not in chk.accounts]
    assert [u["account_id"] for u in bad_users] == [model.UNKNOWN_ACCOUNT_ID]
    all_ids = {r["line_item_id"] for r in data["invoice_line_items"]}
    bad_refunds = [r for r in data["refunds"] if r["line_item_id"] not in all_ids]
    assert [r["line_item_id"] for r in bad_refunds] == [model.UNKNOWN_LINE_ITEM_ID]
    # no refund points at a rejected line
    assert not {r["line_item_id"] for r in data["refunds"]} & set(chk.line_reasons)
    for r in data["refunds"]:
        assert MONEY_RE.match(r["amount"]) and Decimal(r["amount"]) > 0
    sub_ids = Counter(s["subscription_id"] for s in data["subscriptions"])
    assert max(sub_ids.values()) == 1
    assert all(s["account_id"] in chk.accounts for s in data["subscriptions"])


def test_as_of_date_is_in_the_last_month(chk):
    counted = [x for x in chk.lines if not x["is_test"]
               and x["invoice_status"] in ("paid", "open")]
    latest = max(x["invoice_date"] for x in counted)
    latest_paid = max(x["invoice_date"] for x in counted if x["invoice_status"] == "paid")
    assert date(2026, 11, 1) <= latest_paid <= latest <= date(2026, 11, 20)
    assert max(x["invoice_date"] for x in chk.lines) <= date(2026, 11, 20)


# --------------------------------------------------------------------------
# Accounts, plans, users, spend, fx.
# --------------------------------------------------------------------------
def test_accounts_are_varied(data):
    accs = data["accounts"]
    assert len(accs) >= 300
    months = {a["created_at"][:7] for a in accs}
    assert len(months) >= 24
    segs = Counter()
    for a in accs:
        e = a["employee_count"]
        if e == "" or int(e) < 0:
            segs["unknown"] += 1
        elif int(e) < 50:
            segs["smb"] += 1
        elif int(e) < 1000:
            segs["mid_market"] += 1
        else:
            segs["enterprise"] += 1
    assert all(segs[s] >= 10 for s in ("smb", "mid_market", "enterprise"))
    assert any(a["employee_count"] == "" for a in accs)
    raw = [a["country_code"] for a in accs]
    norm = {c.strip().upper() for c in raw if c.strip()}
    assert len(norm) >= 10
    assert any(c != c.strip() for c in raw)
    assert any(c.strip() and c.strip() != c.strip().upper() for c in raw)
    assert 0 < raw.count("") < len(raw) / 10
    for col in ("industry", "acquisition_channel"):
        vals = [a[col] for a in accs]
        assert "" in vals
        distinct_raw = {v for v in vals if v}
        assert len({v.strip().lower() for v in distinct_raw}) < len(distinct_raw)
    assert 2 <= sum(a["is_test"] == "true" for a in accs) <= 10
    assert any(a["is_test"] == "" for a in accs)


def test_plans(data):
    plans = {p["plan_id"]: p for p in data["plans"]}
    tiers = {(p["tier"].lower(), int(p["tier_rank"])) for p in plans.values()}
    assert tiers == {("free", 0), ("starter", 1), ("pro", 2), ("enterprise", 3)}
    assert {p["pricing_model"] for p in plans.values()} == {"flat", "per_seat", "usage", "hybrid"}


def test_users(chk, data):
    users = [u for u in data["users"] if u["account_id"] in chk.accounts]
    assert len(users) >= 1000
    assert len({u["created_at"][:7] for u in users}) >= 24
    deact = [u for u in users if u["deactivated_at"]]
    assert 0 < len(deact) < len(users) / 2
    assert all(u["deactivated_at"] > u["created_at"] for u in deact)
    with_users = {u["account_id"] for u in users}
    paying = {x["account_id"] for x in chk.paid(("recurring",)) if not x["is_test"]}
    assert paying - with_users, "a paying account without user rows"
    assert len(paying & with_users) > len(paying - with_users)


def test_acquisition_spend(data):
    rows = data["acquisition_spend"]
    keys = Counter((r["month"], r["acquisition_channel"]) for r in rows)
    assert max(keys.values()) == 1
    months = {r["month"] for r in rows}
    assert len(months) == 27 and all(m.endswith("-01") for m in months)
    channels = {r["acquisition_channel"] for r in rows if r["acquisition_channel"]}
    assert len(channels) >= 4
    for m in months:
        assert {r["acquisition_channel"] for r in rows if r["month"] == m} >= channels
    assert 0 < sum(r["acquisition_channel"] == "" for r in rows) < len(months)
    assert all(MONEY_RE.match(r["amount"]) and Decimal(r["amount"]) > 0 for r in rows)


def test_fx_rates(chk, data):
    rows = data["fx_rates"]
    assert {r["currency"] for r in rows} == {"EUR", "GBP"}
    assert max(Counter((r["currency"], r["rate_date"]) for r in rows).values()) == 1
    assert all(re.match(r"^\d+\.\d{6}$", r["rate_to_reporting"]) for r in rows)
    assert all(Decimal(r["rate_to_reporting"]) > 0 for r in rows)
    first_invoice = min(x["invoice_date"] for x in chk.lines)
    for cur in ("EUR", "GBP"):
        mine = [r for r in rows if r["currency"] == cur]
        assert d(mine[0]["rate_date"]) < first_invoice
        assert d(mine[-1]["rate_date"]) >= date(2026, 11, 20)
        assert len({r["rate_to_reporting"] for r in mine}) > 50
        gaps = {(d(b["rate_date"]) - d(a["rate_date"])).days for a, b in zip(mine, mine[1:])}
        assert max(gaps) <= 7


# --------------------------------------------------------------------------
# Billing features.
# --------------------------------------------------------------------------
def test_billing_intervals(chk):
    ks = Counter()
    for x in chk.paid(("recurring",)):
        k = whole_months(x["period_start"], x["period_end"])
        if k:
            ks[k] += 1
    assert ks[1] > ks[3] > 0 and ks[12] > 0 and ks[24] > 0
    # renewals: a subscription with several annual periods back to back
    annual = defaultdict(list)
    for x in chk.paid(("recurring",)):
        if whole_months(x["period_start"], x["period_end"]) == 12:
            annual[x["subscription_id"]].append(x)
    assert any(len({y["period_start"] for y in v}) >= 2 for v in annual.values())
    # invoice_date = period_start mostly
    rec = [x for x in chk.lines if x["recurring"]]
    same = sum(x["invoice_date"] == x["period_start"] for x in rec)
    assert same > 0.85 * len(rec)


def test_monthly_anchor_on_the_31st(chk):
    by_sub = defaultdict(set)
    for x in chk.paid(("recurring",)):
        if whole_months(x["period_start"], x["period_end"]) == 1:
            by_sub[x["subscription_id"]].add((x["period_start"], x["period_end"]))
    found = False
    for periods in by_sub.values():
        starts = {p[0] for p in periods}
        for ps, pe in periods:
            if ps.day == 31 and pe.day < 31:
                nxt = [p for p in periods if p[0] == pe]
                if nxt and nxt[0][1].day == 31 and pe in starts:
                    found = True
    assert found, "a monthly subscription anchored on the 31st (31 -> 30 -> 31)"


def test_per_seat_lines_and_prorated_upgrades(chk, data):
    plans = {p["plan_id"]: p for p in data["plans"]}
    seat_prices = set()
    for pid, comps in catalogue.PRICES.items():
        if "seat" in comps:
            seat_prices |= set(comps["seat"].values())
    seat_lines = [x for x in chk.paid(("recurring",))
                  if x["plan_id"] in plans
                  and plans[x["plan_id"]]["pricing_model"] in ("per_seat", "hybrid")
                  and x["quantity"] and x["quantity"] > 1]
    full = [x for x in seat_lines if whole_months(x["period_start"], x["period_end"])]
    assert full
    assert any(x["amount"] / x["quantity"]
               / whole_months(x["period_start"], x["period_end"]) in seat_prices
               for x in full)
    # prorated upgrades: a line starting inside another line's period of the
    # same subscription and plan, ending with it, amount prorated by days.
    # Every recurring line that is not whole months is one of them.
    by_sub = defaultdict(list)
    for x in chk.lines:
        if x["charge_type"] == "recurring" and x["invoice_status"] != "void":
            by_sub[x["subscription_id"]].append(x)
    upgrades = 0
    for lines in by_sub.values():
        for up in lines:
            if whole_months(up["period_start"], up["period_end"]):
                continue
            # invoiced on the upgrade day (a reissue of a void one a day later)
            assert 0 <= (up["invoice_date"] - up["period_start"]).days <= 1
            matches = []
            for base in lines:
                if (base["period_start"] < up["period_start"] < base["period_end"]
                        == up["period_end"] and base["quantity"]
                        and base["plan_id"] == up["plan_id"]):
                    days = (base["period_end"] - base["period_start"]).days
                    left = (up["period_end"] - up["period_start"]).days
                    expect = base["amount"] / base["quantity"] * up["quantity"] * left / days
                    matches.append(abs(up["amount"] - expect) <= Decimal("0.005"))
            assert any(matches), up["line_item_id"]
            upgrades += 1
    assert upgrades >= 2


def test_discounts(chk, data):
    assert sum(x["discount_amount"] > 0 for x in chk.lines) >= 10
    raw = [r["discount_amount"] for r in data["invoice_line_items"]]
    assert "" in raw and "0.00" in raw


def test_refunds(chk, data):
    refunds = [r for r in data["refunds"] if r["line_item_id"] in chk.by_id]
    per_line = defaultdict(Decimal)
    for r in refunds:
        line = chk.by_id[r["line_item_id"]]
        assert ts(r["refunded_at"]).date() > line["invoice_date"]
        per_line[r["line_item_id"]] += Decimal(r["amount"])
    full = [i for i, a in per_line.items() if a == chk.by_id[i]["net"]]
    partial = [i for i, a in per_line.items() if 0 < a < chk.by_id[i]["net"]]
    assert full and partial
    assert max(Counter(r["line_item_id"] for r in refunds).values()) >= 2
    assert any(chk.by_id[i]["is_test"] for i in per_line), "refund of a test line"


def test_invoice_statuses(chk):
    statuses = Counter(x["invoice_status"] for x in chk.lines)
    assert set(statuses) == STATUSES
    assert statuses["paid"] > 0.85 * len(chk.lines)
    recent = date(2026, 10, 20)
    opens = [x for x in chk.lines if x["invoice_status"] == "open"]
    assert sum(x["invoice_date"] > recent for x in opens) > len(opens) / 2


def test_currencies(chk):
    assert {x["currency"] for x in chk.lines} == {"USD", "EUR", "GBP"}
    per_account = defaultdict(set)
    for x in chk.lines:
        per_account[x["account_id"]].add(x["currency"])
    assert all(len(v) == 1 for v in per_account.values())


def test_charge_types(chk):
    lines = chk.lines
    tax = [x for x in lines if x["charge_type"] == "tax"]
    assert any(x["period_start"] for x in tax) and any(not x["period_start"] for x in tax)
    setup = [x for x in lines if x["charge_type"] == "one_time" and x["amount"] > 0]
    assert setup and all(x["period_start"] is None for x in setup)
    assert any(x["charge_type"] == "one_time" and x["amount"] < 0 for x in lines)
    usage = [x for x in lines if x["charge_type"] == "usage"]
    committed = [x for x in usage if x["committed"]]
    assert committed
    assert all(whole_months(x["period_start"], x["period_end"]) == 1 for x in committed)
    uncommitted = [x for x in usage if not x["committed"]]
    assert any(x["period_start"] for x in uncommitted)
    assert any(not x["period_start"] for x in uncommitted)
    assert {x["is_committed"] for x in uncommitted} == {"false", None}
    assert any(x["plan_id"] is None for x in lines if x["charge_type"] == "recurring")


def test_trials_free_plans_and_test_accounts(chk, data):
    paying = {x["account_id"] for x in chk.paid()}
    any_line = {x["account_id"] for x in chk.lines}
    subs = data["subscriptions"]
    trials = [s for s in subs if s["trial_ends_at"]]
    converted = [s for s in trials if s["account_id"] in paying]
    lost = [s for s in trials if s["ended_at"] == s["trial_ends_at"]
            and s["account_id"] not in any_line]
    assert converted and lost
    for s in converted:
        first = min(x["invoice_date"] for x in chk.paid() if x["account_id"] == s["account_id"])
        assert first >= ts(s["trial_ends_at"]).date()
    free = [s for s in subs if s["plan_id"] == "plan_free" and not s["ended_at"]]
    assert any(s["account_id"] not in any_line for s in free)
    tests = [x for x in chk.paid(("recurring",)) if x["is_test"]]
    assert len({x["account_id"] for x in tests}) >= 2
    assert any(x["plan_id"] == catalogue.LEGACY_PLAN for x in chk.lines)
    assert catalogue.LEGACY_PLAN not in {p["plan_id"] for p in data["plans"]}


def test_churn_and_reactivation(chk, data):
    ended = defaultdict(list)
    for s in data["subscriptions"]:
        if s["ended_at"]:
            ended[s["account_id"]].append(ts(s["ended_at"]).date())
    assert len(ended) >= 20
    coverage = defaultdict(list)
    for x in chk.paid(("recurring",)):
        if x["net"] > 0:
            coverage[x["account_id"]].append((x["period_start"], x["period_end"]))
    reactivated = 0
    for acc, periods in coverage.items():
        periods.sort()
        reach = periods[0][1]
        for ps, pe in periods[1:]:
            if (ps - reach).days >= 31 and any(reach <= e <= ps for e in ended[acc]):
                reactivated += 1
                break
            reach = max(reach, pe)
    assert reactivated >= 2
    # a churned subscription bills nothing after it ended
    subs = {s["subscription_id"]: s for s in data["subscriptions"]}
    for x in chk.lines:
        s = subs.get(x["subscription_id"])
        if s and s["ended_at"] and x["recurring"]:
            assert x["period_start"] < ts(s["ended_at"]).date() or \
                x["invoice_status"] in ("void", "uncollectible")


def test_case_variants_are_valid_after_normalizing(data, chk):
    raw = data["invoice_line_items"]
    assert any(r["charge_type"] != r["charge_type"].strip().lower()
               and r["line_item_id"] not in chk.line_reasons for r in raw)
    assert any(r["currency"] != r["currency"].strip().upper()
               and r["line_item_id"] not in chk.line_reasons for r in raw)


def read_folder(folder: Path) -> dict[str, list[dict]]:
    tables = {}
    for name in demo.COLUMNS:
        with open(folder / f"{name}.csv", newline="", encoding="utf-8") as fh:
            tables[name] = list(csv.DictReader(fh))
    return tables


def test_large_runs_are_chunked_with_distinct_ids(tmp_path, monkeypatch):
    """Above CHUNK_ACCOUNTS accounts, chunks in parallel: every id stays
    unique, every reference resolves inside its chunk, and the run is
    deterministic."""
    monkeypatch.setattr(writing, "CHUNK_ACCOUNTS", 100)
    first = demo.generate(tmp_path / "a", accounts=250, months=14, jobs=2)
    demo.generate(tmp_path / "b", accounts=250, months=14, jobs=1)
    for name in demo.COLUMNS:
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == (tmp_path / "b" / f"{name}.csv").read_bytes()
    tables = read_folder(tmp_path / "a")
    assert first["accounts"] == len(tables["accounts"]) == 250
    accounts = [r["account_id"] for r in tables["accounts"]]
    assert len(set(accounts)) == 250
    assert {a.split("_")[1] for a in accounts} == {"c000", "c001", "c002"}
    assert set(Counter(r["plan_id"] for r in tables["plans"]).values()) == {1}
    lines = Counter(r["line_item_id"] for r in tables["invoice_line_items"])
    # Each chunk keeps the demo's one deliberately duplicated line id.
    assert sum(1 for count in lines.values() if count > 1) == 3
    known = set(accounts) | {model.UNKNOWN_ACCOUNT_ID.replace("_", f"_c{i:03d}_", 1) for i in range(3)}
    assert {r["account_id"] for r in tables["invoice_line_items"]} <= known
    spend = Counter((r["month"], r["acquisition_channel"]) for r in tables["acquisition_spend"])
    assert set(spend.values()) == {1}


def test_parquet_holds_the_same_text(tmp_path):
    duckdb = pytest.importorskip("duckdb")
    demo.generate(tmp_path / "csv", accounts=60, months=12)
    demo.generate(tmp_path / "parquet", accounts=60, months=12, file_format="parquet")
    assert not list((tmp_path / "parquet").glob("*.csv"))
    for name, cols in demo.COLUMNS.items():
        with open(tmp_path / "csv" / f"{name}.csv", newline="", encoding="utf-8") as fh:
            want = [tuple(v or None for v in row) for row in list(csv.reader(fh))[1:]]
        got = duckdb.connect().execute(
            f"select * from read_parquet('{tmp_path / 'parquet' / (name + '.parquet')}')").fetchall()
        assert got == want, name


# --------------------------------------------------------------------------
# Stripe shape (--shape stripe): the same demo, read back as the project
# maps Stripe into the contract (models/staging/stripe), is the same ledger.
# tests/e2e/test_stripe_twin.py checks the marts with dbt; this checks the
# files without it.
# --------------------------------------------------------------------------
STRIPE_BOOL = {"true": True, "false": False, "": None}


def minor(currency):
    return stripe_model.minor_exponent(currency)


def read_stripe_back(folder):
    """The accounts, plans, lines and refunds the Stripe files give, by the
    mapping the lead's models implement (issue 11), re-implemented here."""
    s = {name: read_table(folder, name) for name in stripe_model.STRIPE_COLUMNS
         if (folder / f"{name}.csv").exists()}
    accounts = {}
    for c in s["customer"]:
        meta = json.loads(c["metadata"]) if c["metadata"] else {}
        live = STRIPE_BOOL[c["livemode"]]
        accounts[c["id"]] = {
            "account_name": t(c["name"]), "created_at": c["created"],
            "country_code": t(c["address_country"]),
            "employee_count": None if meta.get("employee_count") is None
            else str(meta["employee_count"]),
            "industry": t(meta.get("industry")),
            "acquisition_channel": t(meta.get("acquisition_channel")),
            "is_test": False if live is None else not live}
    products = {p["id"]: p for p in s["product"]}
    usage = {}
    plans = {}
    for table, usage_column in (("plan", "usage_type"), ("price", "recurring_usage_type")):
        for p in s.get(table, []):  # price last: it wins over plan
            meta = json.loads(products[p["product_id"]]["metadata"] or "{}")
            usage[p["id"]] = p[usage_column]
            model = meta.get("pricing_model") or (
                "usage" if p[usage_column] == "metered" else None)
            plans[p["id"]] = {
                "plan_name": t(p["nickname"]) or t(products[p["product_id"]]["name"]),
                "tier": meta.get("tier"),
                "tier_rank": None if meta.get("tier_rank") is None else str(meta["tier_rank"]),
                "pricing_model": model}
    invoices = {i["id"]: i for i in s["invoice"]
                if i["status"] != "draft" and i["is_deleted"] != "true"}

    def day(timestamp):
        return datetime.fromisoformat(timestamp).date()

    discounts = defaultdict(int)
    for x in s["discount"]:
        if x["type"] == "PARENT_INVOICE_LINE_ITEM":
            discounts[x["type_id"]] += int(x["amount"])
    lines = {}
    for x in s["invoice_line_item"]:
        inv = invoices.get(x["invoice_id"])
        if inv is None:
            continue
        line_id = x["unique_id"] or x["id"]
        plan = x["price_id"] or x["plan_id"] or None
        if usage.get(plan) == "metered":
            charge = "usage"
        elif x["type"] == "subscription" or (x["type"] == "invoiceitem"
                                            and x["proration"] == "true"):
            charge = "recurring"
        else:
            charge = "one_time"
        ps, pe = day(x["period_start"]), day(x["period_end"])
        exp = minor(x["currency"])
        lines[line_id] = {
            "invoice_id": x["invoice_id"], "account_id": inv["customer_id"],
            "subscription_id": x["subscription_id"] or None, "plan_id": plan,
            "charge_type": charge, "amount": Decimal(int(x["amount"])).scaleb(-exp),
            "discount_amount": Decimal(discounts[line_id]).scaleb(-exp),
            "currency": x["currency"].upper(), "quantity": x["quantity"] or None,
            "period": None if ps == pe else (ps, pe),
            "invoice_date": day(inv["status_transitions_finalized_at"] or inv["created"]),
            "invoice_status": inv["status"], "net_cents": int(x["amount"]) - discounts[line_id]}
    for inv in invoices.values():
        if inv["tax"] not in ("", "0"):
            exp = minor(inv["currency"])
            lines[f"{inv['id']}-tax"] = {
                "invoice_id": inv["id"], "account_id": inv["customer_id"],
                "subscription_id": None, "plan_id": None, "charge_type": "tax",
                "amount": Decimal(int(inv["tax"])).scaleb(-exp),
                "discount_amount": Decimal(0), "currency": inv["currency"].upper(),
                "quantity": None, "period": None,
                "invoice_date": day(inv["status_transitions_finalized_at"] or inv["created"]),
                "invoice_status": inv["status"], "net_cents": int(inv["tax"])}
    refunds = []  # (line_item_id, amount, refunded_at)
    notes = {c["id"]: c for c in s["credit_note"] if c["status"] == "issued"}
    for x in s["credit_note_line_item"]:
        note = notes.get(x["credit_note_id"])
        if note is None or x["type"] != "invoice_line_item":
            continue
        # The credit note's invoice gives the currency (the line may not exist).
        currency = next(i["currency"] for i in s["invoice"] if i["id"] == note["invoice_id"])
        cents = int(x["amount"]) - int(x["discount_amount"])
        refunds.append((x["invoice_line_item"], Decimal(cents).scaleb(-minor(currency)),
                        note["created"]))
    named = {c["refund_id"] for c in notes.values() if c["refund_id"]}
    charge_invoice = {c["id"]: c["invoice_id"] for c in s["charge"]}
    for r in s["refund"]:
        invoice_id = charge_invoice.get(r["charge_id"])
        if r["status"] != "succeeded" or r["id"] in named or not invoice_id:
            continue
        mine = sorted((i, x) for i, x in lines.items()
                      if x["invoice_id"] == invoice_id and x["net_cents"] > 0)
        total = sum(x["net_cents"] for _, x in mine)
        left = int(r["amount"])
        for k, (i, x) in enumerate(mine):
            piece = left if k == len(mine) - 1 else int(r["amount"]) * x["net_cents"] // total
            left -= piece
            if piece:
                refunds.append((i, Decimal(piece).scaleb(-minor(r["currency"])), r["created"]))
    return accounts, plans, lines, refunds


@pytest.fixture(scope="module")
def stripe_back(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stripe")
    counts = demo.generate_stripe(folder)
    return folder, counts, read_stripe_back(folder)


def test_stripe_shape_files(out, stripe_back):
    folder, counts, _ = stripe_back
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(f"{n}.csv" for n in demo.output_columns("stripe"))
    for name, cols in demo.output_columns("stripe").items():
        raw = (folder / f"{name}.csv").read_text(encoding="utf-8")
        assert raw.split("\n", 1)[0] == ",".join(cols)
        assert counts[name] == len(read_table(folder, name))
    for name in stripe_model.STRIPE_CONTRACT_TABLES:  # written unchanged
        assert (folder / f"{name}.csv").read_bytes() == (out[0] / f"{name}.csv").read_bytes()
    again = folder.parent / "stripe_again"
    demo.main(["--out", str(again), "--shape", "stripe"])
    for name in names:
        assert (folder / name).read_bytes() == (again / name).read_bytes(), name
    lines = read_table(folder, "invoice_line_item")
    assert all(INT_RE.match(x["amount"]) for x in lines)
    assert all(x["currency"] == x["currency"].lower() for x in lines)


def test_stripe_shape_reads_back_as_the_same_demo(chk, data, stripe_back):
    """Every field the marts read is the contract's: accounts, plans, and
    every line that is not one of the bad rows Stripe cannot hold, with its
    recurring flag, period, money, date and status; tax per invoice;
    refunds per line."""
    _, _, (accounts, plans, lines, refunds) = stripe_back
    for a in data["accounts"]:
        got = accounts[a["account_id"]]
        assert got == {
            "account_name": t(a["account_name"]), "created_at": a["created_at"],
            "country_code": t(a["country_code"]), "employee_count": t(a["employee_count"]),
            "industry": t(a["industry"]), "acquisition_channel": t(a["acquisition_channel"]),
            "is_test": (t(a["is_test"]) or "false") == "true"}, a
    assert len(accounts) == len(data["accounts"])
    assert plans == {p["plan_id"]: {k: t(p[k]) for k in ("plan_name", "tier", "tier_rank",
                                                           "pricing_model")}
                     for p in data["plans"]}

    # The bad lines Stripe cannot hold are the only ones left out.
    raw = data["invoice_line_items"]
    kept = {r["line_item_id"] for r in raw if r["charge_type"].strip().lower() != "tax"}
    left_out = kept - set(lines)
    assert sorted(w for i in left_out for ws in chk.line_reasons[i] for w in ws) == sorted([
        "unknown charge_type", "amount does not cast", "invoice_date does not cast",
        "duplicate line_item_id", "duplicate line_item_id"])
    tax = defaultdict(Decimal)
    for r in raw:
        line_id, charge = r["line_item_id"], r["charge_type"].strip().lower()
        if line_id in left_out:
            continue
        if charge == "tax":
            tax[r["invoice_id"]] += Decimal(r["amount"])
            continue
        got = lines[line_id]
        committed = (t(r["is_committed"]) or "").lower() == "true"
        period = (d(r["period_start"]), d(r["period_end"])) if t(r["period_start"]) else None
        recurring = charge == "recurring" or (charge == "usage" and committed)
        assert got["charge_type"] == ("recurring" if recurring else "one_time"), line_id
        assert got["amount"] == Decimal(r["amount"]), line_id
        assert got["discount_amount"] == Decimal(t(r["discount_amount"]) or 0), line_id
        assert (got["invoice_id"], got["account_id"], got["subscription_id"], got["plan_id"],
                got["currency"], got["quantity"], got["period"], got["invoice_date"],
                got["invoice_status"]) == (
            r["invoice_id"], r["account_id"], t(r["subscription_id"]), t(r["plan_id"]),
            r["currency"].strip().upper(), t(r["quantity"]), period, d(r["invoice_date"]),
            r["invoice_status"].strip().lower()), line_id
    stripe_tax = {x["invoice_id"]: x["amount"] for x in lines.values()
                  if x["charge_type"] == "tax"}
    assert stripe_tax == dict(tax)
    assert len(lines) == len(kept) - len(left_out) + len(tax)

    # Refunds: the same amounts and times per line (a tax line's refund on
    # the invoice's tax line).
    tax_line = {r["line_item_id"]: f"{r['invoice_id']}-tax" for r in raw
                if r["charge_type"].strip().lower() == "tax"}
    want = sorted((tax_line.get(r["line_item_id"], r["line_item_id"]), Decimal(r["amount"]),
                   r["refunded_at"]) for r in data["refunds"])
    assert sorted(refunds) == want


def test_stripe_shape_of_a_chunked_run(tmp_path, monkeypatch):
    """Chunks convert alike: deterministic, every id unique, the catalogue
    written once."""
    monkeypatch.setattr(writing, "CHUNK_ACCOUNTS", 100)
    counts = demo.generate_stripe(tmp_path / "a", accounts=250, months=14, jobs=2)
    demo.generate_stripe(tmp_path / "b", accounts=250, months=14, jobs=1)
    for name in demo.output_columns("stripe"):
        assert (tmp_path / "a" / f"{name}.csv").read_bytes() == \
            (tmp_path / "b" / f"{name}.csv").read_bytes(), name
    assert counts["customer"] == 250 and counts["price"] == 6 and counts["plan"] == 1
    for name in ("customer", "invoice", "discount", "credit_note", "refund", "charge",
                 "subscription_item", "product", "price"):
        ids = Counter(r["id"] for r in read_table(tmp_path / "a", name))
        assert max(ids.values()) == 1, name
    lines = Counter(r["unique_id"] or r["id"] for r in read_table(tmp_path / "a",
                                                                   "invoice_line_item"))
    assert max(lines.values()) == 1
