"""The callback dialer's decisions, without I/O: whose turn, hours, retries, states."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from ivr.errors import StoreError
from ivr.menu.hours import Hours
from ivr.queues.callback_rules import (Outcome, Policy, QueueNow, Request, Result, State, Why, after_attempt,
                                       decide, in_hours, move, next_retry, result_of_dialplan,
                                       result_of_originate)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc).timestamp()   # a Monday, 11:00 in Warsaw


def req(id: int, at: float, queue: str = "support", state: str = "waiting", attempts: int = 0,
        next_at: float | None = None) -> Request:
    return Request(id, queue, f"call-{id}", at, state, attempts, next_at)


def q(waiting=(), free: int = 1, known: bool = True, name: str = "support") -> QueueNow:
    return QueueNow(name, tuple(waiting), free, known)


def whys(decisions) -> dict[int, Why]:
    return {d.request.id: d.why for d in decisions}


def test_two_callers_ahead_hold_the_callback_until_both_are_answered():
    r = req(1, T0 + 60)
    ahead = [("a", T0), ("b", T0 + 30)]
    assert whys(decide([r], {"support": q(ahead)}, T0 + 90)) == {1: Why.CALLER_AHEAD}
    assert whys(decide([r], {"support": q(ahead[1:])}, T0 + 120)) == {1: Why.CALLER_AHEAD}
    # both answered: nobody ahead, and the agent is free again
    [d] = decide([r], {"support": q([])}, T0 + 150)
    assert d.due and d.why is Why.DUE


def test_callers_who_joined_after_the_request_do_not_hold_it_nor_does_its_own_call():
    r = req(1, T0 + 60)
    later = [("call-1", T0 + 10), ("late", T0 + 61)]   # its own call (before it asked) and a later caller
    assert whys(decide([r], {"support": q(later)}, T0 + 90)) == {1: Why.DUE}


def test_no_free_agent_no_call_and_each_due_request_takes_one_agent_in_request_order():
    rs = [req(3, T0 + 30), req(1, T0 + 10), req(2, T0 + 20)]
    assert whys(decide(rs, {"support": q(free=0)}, T0 + 60)) == {1: Why.NO_AGENT, 2: Why.NO_AGENT,
                                                                  3: Why.NO_AGENT}
    out = decide(rs, {"support": q(free=2)}, T0 + 60)
    assert [(d.request.id, d.why) for d in out] == [(1, Why.DUE), (2, Why.DUE), (3, Why.NO_AGENT)]


def test_a_request_being_dialled_uses_an_agent_of_its_queue_only():
    rs = [req(1, T0, state="dialing", attempts=1), req(2, T0 + 5), req(3, T0 + 6, queue="sales")]
    out = decide(rs, {"support": q(free=1), "sales": q(free=1, name="sales")}, T0 + 60)
    assert whys(out) == {1: Why.DIALING, 2: Why.NO_AGENT, 3: Why.DUE}


def test_a_request_waiting_for_its_retry_does_not_block_later_ones():
    rs = [req(1, T0, attempts=1, next_at=T0 + 300), req(2, T0 + 5)]
    assert whys(decide(rs, {"support": q()}, T0 + 60)) == {1: Why.RETRY_LATER, 2: Why.DUE}
    assert whys(decide(rs, {"support": q(free=2)}, T0 + 300)) == {1: Why.DUE, 2: Why.DUE}


def test_unknown_queue_state_and_undialled_queues_place_nothing():
    rs = [req(1, T0), req(2, T0, queue="billing")]
    assert whys(decide(rs, {"support": q(known=False)}, T0 + 60)) == {1: Why.UNKNOWN, 2: Why.NOT_DIALLED}


OFFICE = Hours("office", "Europe/Warsaw", tuple((d, time(8), time(20)) for d in range(5)),
               frozenset({date(2026, 12, 24)}))


def test_only_within_the_hotlines_hours():
    r = req(1, T0)
    assert whys(decide([r], {"support": q()}, T0, {1: OFFICE})) == {1: Why.DUE}          # Mon 11:00
    evening = datetime(2026, 11, 23, 19, 30, tzinfo=timezone.utc).timestamp()         # Mon 20:30 local
    assert whys(decide([r], {"support": q()}, evening, {1: OFFICE})) == {1: Why.CLOSED}
    holiday = datetime(2026, 12, 24, 10, 0, tzinfo=timezone.utc).timestamp()
    assert not in_hours(OFFICE, holiday)
    assert in_hours(None, holiday)   # no hours: always open
    # closed outranks everything the queue says: nothing is dialled at night
    assert whys(decide([r], {"support": q(free=5)}, evening, {1: OFFICE})) == {1: Why.CLOSED}


POLICY = Policy(max_attempts=3, retry_gap_s=120)


@pytest.mark.parametrize("result", [Result.NO_ANSWER, Result.BUSY, Result.FAILED, Result.NO_CONFIRM,
                                    Result.HUNG_UP, Result.NO_AGENT, Result.LOST])
def test_a_failed_attempt_retries_after_the_gap_until_the_maximum(result):
    assert after_attempt(result, 1, POLICY, T0) == Outcome(State.WAITING, T0 + 120)
    assert after_attempt(result, 2, POLICY, T0 + 500) == Outcome(State.WAITING, T0 + 620)
    assert after_attempt(result, 3, POLICY, T0 + 900) == Outcome(State.FAILED, None)


def test_answered_is_done_and_declined_is_final():
    assert after_attempt(Result.ANSWERED, 3, POLICY, T0) == Outcome(State.DONE, None)
    assert after_attempt(Result.DECLINED, 1, POLICY, T0) == Outcome(State.FAILED, None)
    assert next_retry(T0, Policy(1, 0)) == T0


def test_ami_results_map_to_attempt_results():
    assert result_of_originate("3") is Result.NO_ANSWER
    assert result_of_originate("5") is Result.BUSY
    assert result_of_originate("8") is Result.FAILED
    assert result_of_originate("") is Result.FAILED
    assert result_of_dialplan("NOANSWER") is Result.NO_ANSWER
    assert result_of_dialplan("no-confirm") is Result.NO_CONFIRM
    assert result_of_dialplan("DECLINED") is Result.DECLINED
    assert result_of_dialplan("queue-TIMEOUT") is Result.NO_AGENT
    assert result_of_dialplan("CHANUNAVAIL") is Result.FAILED


def test_state_moves_follow_the_table_and_name_the_state_otherwise():
    assert move("waiting", "claim") is State.DIALING
    assert move("failed", "done-by-hand") is State.DONE
    assert move("dialing", "ended") is None
    with pytest.raises(StoreError, match="callback request done: cannot claim"):
        move("done", "claim")
    with pytest.raises(StoreError, match="callback request dialing: cannot claim"):
        move("dialing", "claim")
    with pytest.raises(StoreError, match="unknown state 'ringing'"):
        move("ringing", "claim")
