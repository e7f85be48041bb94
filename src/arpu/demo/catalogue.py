"""What the demo company sells and who buys it: the plans and their list
prices, the countries, industries, acquisition channels and company names
accounts are drawn from."""

from decimal import Decimal


# --------------------------------------------------------------------------
# Catalogue.
# --------------------------------------------------------------------------
# plan_id, plan_name, tier, tier_rank, pricing_model.  The tier column keeps
# a little case variation on purpose (segments are lower-cased downstream).
PLANS = [
    ("plan_free", "Free", "free", 0, "flat"),
    ("plan_starter", "Starter", "starter", 1, "flat"),
    ("plan_starter_seat", "Starter Team", "Starter", 1, "per_seat"),
    ("plan_pro", "Pro", "pro", 2, "per_seat"),
    ("plan_pro_usage", "Pro Usage", "pro", 2, "usage"),
    ("plan_enterprise_seat", "Enterprise Seats", "enterprise", 3, "per_seat"),
    ("plan_enterprise", "Enterprise Platform", "Enterprise", 3, "hybrid"),
]
# A retired plan that still appears on a few subscriptions and lines but is
# no longer in the catalogue (plan tier "unknown" downstream; not an error).
LEGACY_PLAN = "plan_legacy_2023"


def _p(usd: str, eur: str, gbp: str) -> dict[str, Decimal]:
    return {"USD": Decimal(usd), "EUR": Decimal(eur), "GBP": Decimal(gbp)}


# Monthly list prices per component and currency.
#   flat   - fixed recurring fee per month
#   seat   - per seat per month
#   commit - committed usage minimum per month (usage line, is_committed)
#   unit   - metered overage price per unit (usage line, not committed)
PRICES: dict[str, dict[str, dict[str, Decimal]]] = {
    "plan_starter": {"flat": _p("49", "45", "39")},
    LEGACY_PLAN: {"flat": _p("79", "72", "62")},
    "plan_starter_seat": {"seat": _p("12", "11", "9.50")},
    "plan_pro": {"seat": _p("35", "32", "28")},
    "plan_pro_usage": {"commit": _p("400", "370", "320"),
                       "unit": _p("0.015", "0.014", "0.012")},
    "plan_enterprise_seat": {"seat": _p("65", "60", "52")},
    "plan_enterprise": {"flat": _p("1200", "1100", "950"),
                        "seat": _p("40", "37", "32"),
                        "commit": _p("800", "740", "640"),
                        "unit": _p("0.010", "0.0095", "0.008")},
}
ADDON_PRICE = _p("99", "90", "79")  # "priority support" add-on, no plan_id

SEAT_PLANS = ("plan_starter_seat", "plan_pro", "plan_enterprise_seat",
              "plan_enterprise")

# country, weight, billing currency, share billed in that currency
COUNTRIES = [
    ("US", 34, "USD"), ("GB", 14, "GBP"), ("DE", 12, "EUR"), ("FR", 8, "EUR"),
    ("NL", 6, "EUR"), ("CA", 6, "USD"), ("AU", 5, "USD"), ("ES", 4, "EUR"),
    ("IE", 4, "EUR"), ("SE", 4, "EUR"), ("IN", 3, "USD"),
]
INDUSTRIES = ["SaaS", "saas", "Fintech", "FinTech", "Healthcare",
              "healthcare ", "E-commerce", "e-commerce", "Education",
              "Manufacturing", "Media", "Logistics", None]
INDUSTRY_WEIGHTS = [14, 4, 8, 3, 8, 1, 9, 3, 6, 6, 5, 5, 6]
CHANNELS = ["Organic", "organic", " Organic", "Paid Search", "paid search",
            "Paid Social", "Referral", "Partner", "Outbound", "Events", None]
CHANNEL_WEIGHTS = [16, 5, 1, 14, 4, 9, 9, 7, 9, 5, 8]
# Channels with spend rows (lower-case, as they are grouped downstream).
SPEND_CHANNELS = [("events", 3000), ("outbound", 9000), ("paid search", 12000),
                  ("paid social", 7000), ("partner", 4000)]

NAME_A = ["Acme", "Blue", "Bright", "Cedar", "Delta", "Ember", "Falcon",
          "Granite", "Harbor", "Indigo", "Juniper", "Kite", "Lumen", "Maple",
          "Nimbus", "Orbit", "Pioneer", "Quartz", "River", "Summit", "Tidal",
          "Vertex", "Willow", "Zenith"]
NAME_B = ["Analytics", "Labs", "Logistics", "Health", "Foods", "Robotics",
          "Media", "Capital", "Learning", "Systems", "Studios", "Works",
          "Networks", "Retail", "Energy", "Software"]
NAME_C = ["Inc", "Ltd", "GmbH", "LLC", "SAS", "BV", "Co", "Group"]
