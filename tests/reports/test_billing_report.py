"""Billing minutes against the scripted calls of report_data.load_billing."""

from __future__ import annotations

from ivr.reports.billing import BillingRow, billing
from report_data import load_billing, utc

# 800100 / 2026-10: b1, 720 s = 12 min; talk 300 s = 5 min; wait 30 s = 0.5 min
OCT_100 = BillingRow("800100", "2026-10", 1, 12.0, 5.0, 0.5)
# 800100 / 2026-11: b2 210 s + b3 600 s = 810 s = 13.5 min
#   talk (with the agent, hold included): b3 100 + (220 talk + 30 agent hold) = 350 s = 5.8333 -> 5.83;
#   wait: b3 20 + 40 = 60 s = 1 min
NOV_100 = BillingRow("800100", "2026-11", 2, 13.5, 5.83, 1.0)
# 800200 / 2026-11: b4 45 s + b6 61 s (it ends on Dec 1 but started in Nov) = 106 s = 1.7667 -> 1.77
#   talk 0; wait b4 40 s = 0.6667 -> 0.67; b5 is in progress and left out; x1 is no call of ours
NOV_200 = BillingRow("800200", "2026-11", 2, 1.77, 0.0, 0.67)


def test_billing_all_time(engine):
    load_billing(engine)
    assert billing(engine) == [OCT_100, NOV_100, NOV_200]


def test_billing_november(engine):
    load_billing(engine)
    # b1 started on Oct 31 (ends Nov 1): out; b6 at 23:59:59 on Nov 30: in
    assert billing(engine, utc(2026, 11, 1), utc(2026, 12, 1)) == [NOV_100, NOV_200]


def test_billing_until_is_exclusive(engine):
    load_billing(engine)
    # until Nov 30 23:59:59 leaves out b6 itself: 800200 keeps b4 only (45 s = 0.75 min)
    rows = billing(engine, utc(2026, 11, 1), utc(2026, 11, 30, 23, 59, 59))
    assert rows == [NOV_100, BillingRow("800200", "2026-11", 1, 0.75, 0.0, 0.67)]


def test_billing_empty(engine):
    assert billing(engine) == []
