"""The menu funnel against the scripted calls of report_data.load_funnel."""

from __future__ import annotations

import pytest

from ivr.reports.funnel import NodeStat, funnel
from report_data import load_funnel, utc

DAY = (utc(2026, 11, 23), utc(2026, 11, 24))


def test_funnel_one_day(engine):
    load_funnel(engine)
    stats, containment = funnel(engine, *DAY)
    assert stats == [
        # main: entered c1 1 + c2 1 + c3 2 + c4 2 + c5 1 = 7
        #   completed: c1 ->operator, c2 ->tariffs, c4 first visit ->tariffs = 3
        #   (c3's main -> main is a repeat, not progress; last visits of c3, c4, c5 go nowhere)
        #   invalid: c2's 7 = 1; timeout: c3 1 + c4 1 = 2
        #   hung_up: c3 and c4 end in main with caller-hangup = 2 (c5 is an error, not a hangup)
        NodeStat("main", entered=7, completed=3, invalid=1, timeout=2, hung_up=2),
        # tariffs: c2 -> bye, c4 -> main: entered 2, completed 2
        NodeStat("tariffs", entered=2, completed=2, invalid=0, timeout=0, hung_up=0),
        # bye (c2) and operator (c1): entered 1 each, the call ended there; ties sort by name
        NodeStat("bye", entered=1, completed=0, invalid=0, timeout=0, hung_up=0),
        NodeStat("operator", entered=1, completed=0, invalid=0, timeout=0, hung_up=0),
    ]
    # ended calls on the 23rd: c1..c5 (c7 is in progress); only c1 went to a queue -> 4/5
    assert containment == pytest.approx(4 / 5)


def test_funnel_all_time_counts_the_next_day(engine):
    load_funnel(engine)
    stats, containment = funnel(engine)
    by_node = {s.node: s for s in stats}
    # c6 adds main (entered, completed -> operator) and operator (entered)
    assert by_node["main"] == NodeStat("main", 8, 4, 1, 2, 2)
    assert by_node["operator"] == NodeStat("operator", 2, 0, 0, 0, 0)
    # c1..c6: c1 and c6 went to a queue -> 4/6
    assert containment == pytest.approx(4 / 6)


def test_funnel_window_is_half_open(engine):
    load_funnel(engine)
    # [10:00, 12:00): c2 (10:00) and c3 (11:00); c4 starts at 12:00 exactly and is out
    stats, containment = funnel(engine, utc(2026, 11, 23, 10), utc(2026, 11, 23, 12))
    assert {s.node: s.entered for s in stats} == {"main": 3, "tariffs": 1, "bye": 1}
    assert containment == 1.0


def test_funnel_no_calls(engine):
    assert funnel(engine, *DAY) == ([], None)


def test_the_funnel_reads_frozen_aggregate_rows_from_the_report_store(engine):
    """The database counts: one frozen row per node and the containment counts, no step rows."""
    import dataclasses

    from ivr.reports.store import Containment, NodeFigures, funnel_figures

    load_funnel(engine)
    nodes, containment = funnel_figures(engine, *DAY)
    assert all(isinstance(n, NodeFigures) for n in nodes) and len(nodes) == 4   # main, tariffs, bye, operator
    assert containment == Containment(calls=5, contained=4)   # c1..c5; c7 is in progress
    with pytest.raises(dataclasses.FrozenInstanceError):
        nodes[0].entered = 0
