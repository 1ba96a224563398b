"""The channel contract: one set of behaviour tests over the three channels.

Each test states a scenario once, as data (what the caller presses, when
they hang up, how Asterisk answers), and runs it on FastAGI (against the
scripted Asterisk of scripted_asterisk.py over loopback), classic AGI through
pyst2 (the same scripted Asterisk over a pipe pair) and the in-process fake
channel (which reads the caller's script itself).

Where Asterisk has several ways to say the same thing (where the HANGUP line
falls, a SIGHUP instead, the multi-line or one-line 520), each way is a case
for the AGI channels; the fake channel has no wire, so it runs such a
scenario once. A way one channel cannot meet is a parameter marked with the
reason (see `notices`).
"""

from __future__ import annotations

import pytest

from channels import KINDS, WIRE_KINDS, Scenario, run_on
from scripted_asterisk import NOTICE_AFTER, NOTICE_BEFORE, NOTICE_NONE, NOTICE_SIGHUP, USAGE

from ivr.channel.interface import DTMF_KEYS, QueueResult
from ivr.errors import ChannelHungUp, CommandFailed, UsageError

ALL = pytest.mark.parametrize("kind", KINDS)


def notices() -> list:
    """(kind, notice) for the hang-up scenarios: every way Asterisk tells of a hangup."""
    cases = []
    for kind in WIRE_KINDS:
        for notice in (NOTICE_AFTER, NOTICE_BEFORE, NOTICE_NONE, NOTICE_SIGHUP):
            if kind == "fastagi" and notice == NOTICE_SIGHUP:
                # Not a case: FastAGI has no process to signal. res_agi's run_agi sends SIGHUP
                # only to a classic AGI's pid, a HANGUP line to a socket.
                continue
            cases.append(pytest.param(kind, notice, id=f"{kind}-{notice}"))
    # The fake channel has no wire: a hangup is its script's `hangup`, told in one way.
    cases.append(pytest.param("fake", NOTICE_AFTER, id="fake"))
    return cases


def every_operation(ch) -> dict:
    """Each interface operation, ready to await."""
    return {
        "answer": lambda: ch.answer(),
        "play": lambda: ch.play(["welcome"]),
        "play-no-escape": lambda: ch.play(["welcome"], ""),
        "collect": lambda: ch.collect(["enter-pin"], 4, 3),
        "wait_digit": lambda: ch.wait_digit(2),
        "say": lambda: ch.say("number", "42"),
        "set_variable": lambda: ch.set_variable("IVR_X", "1"),
        "get_variable": lambda: ch.get_variable("IVR_X"),
        "start_recording": lambda: ch.start_recording("/tmp/ivr-contract.wav"),
        "queue": lambda: ch.queue("support"),
        "hangup": lambda: ch.hangup(),
    }


async def assert_all_hung_up(ch) -> None:
    assert ch.hung_up is True
    refused = []
    for name, op in every_operation(ch).items():
        with pytest.raises(ChannelHungUp):
            await op()
        refused.append(name)
    assert refused == list(every_operation(ch))


# -- play with escape digits ---------------------------------------------------------


@ALL
def test_a_press_during_a_prompt_interrupts_it_and_is_returned(kind):
    async def check(ch):
        await ch.answer()
        assert await ch.play(["welcome", "main-menu"], "123") == "1"
        assert ch.hung_up is False

    asterisk = run_on(kind, Scenario(script="1"), check)
    if asterisk:   # the press stopped the first file: the second was never asked for
        assert [c for c, _ in asterisk.log if c.startswith("STREAM FILE")] == ['STREAM FILE "welcome" "123"']


@ALL
def test_no_press_plays_every_file_and_returns_empty(kind):
    async def check(ch):
        assert await ch.play(["welcome", "main-menu"]) == ""
        assert await ch.play(["info"], "") == ""

    asterisk = run_on(kind, Scenario(script=""), check)
    if asterisk:
        assert [c for c, _ in asterisk.log] == [f'STREAM FILE "welcome" "{DTMF_KEYS}"',
                                                f'STREAM FILE "main-menu" "{DTMF_KEYS}"', 'STREAM FILE "info" ""']


@ALL
def test_a_key_not_listened_for_does_not_interrupt(kind):
    async def check(ch):
        assert await ch.play(["main-menu"], "12") == ""
        assert await ch.wait_digit(1) == ""   # and it is not kept for later

    run_on(kind, Scenario(script="5"), check)


@ALL
def test_a_silent_turn_lasts_through_the_prompt_and_the_wait(kind):
    async def check(ch):
        assert await ch.play(["main-menu"]) == ""
        assert await ch.wait_digit(5) == ""
        assert await ch.play(["main-menu"]) == "2"

    run_on(kind, Scenario(script="- 2"), check)


@ALL
def test_wait_digit_times_out_after_a_press_then_takes_the_next(kind):
    async def check(ch):
        assert await ch.play(["main-menu"]) == "1"
        assert await ch.wait_digit(2) == ""     # the caller paused after pressing
        assert await ch.wait_digit(2) == "7"

    run_on(kind, Scenario(script="1 7"), check)


@ALL
def test_say_can_be_interrupted_like_a_prompt(kind):
    async def check(ch):
        assert await ch.say("digits", "123", "3") == "3"
        assert await ch.say("number", "42", "") == ""
        with pytest.raises(CommandFailed):
            await ch.say("colour", "red")

    run_on(kind, Scenario(script="3 4"), check)


# -- collect: GET DATA semantics (max digits, terminator, timeout) ------------------------


@pytest.mark.parametrize("script, max_digits, terminator, expected", [
    pytest.param("12#", 5, "#", "12", id="terminator-ends-it-and-is-not-returned"),
    pytest.param("12345", 3, "#", "123", id="max-digits-ends-it"),
    pytest.param("12*", 5, "*", "12", id="another-terminator"),
    pytest.param("4", 4, "#", "4", id="timeout-returns-what-was-typed"),
    pytest.param("-", 4, "#", "", id="timeout-with-nothing"),
    pytest.param("", 4, "#", "", id="silent-caller"),
])
@ALL
def test_collect(kind, script, max_digits, terminator, expected):
    async def check(ch):
        assert await ch.collect(["enter-pin"], max_digits, 3, terminator) == expected

    run_on(kind, Scenario(script=script), check)


@ALL
def test_digits_typed_ahead_during_a_prompt_count_for_the_collect(kind):
    async def check(ch):
        assert await ch.play(["main-menu"]) == "2"
        assert await ch.collect(["enter-pin"], 4, 3) == "345"

    run_on(kind, Scenario(script="2345#"), check)


# -- hang-up mid-prompt, and 511 after it ------------------------------------------------


@pytest.mark.parametrize("kind, notice", notices())
@pytest.mark.parametrize("during", ["play", "collect", "wait_digit", "say"])
def test_hang_up_mid_prompt_then_every_operation_is_a_hangup(kind, notice, during):
    async def check(ch):
        await ch.answer()
        assert ch.hung_up is False
        with pytest.raises(ChannelHungUp):
            await every_operation(ch)[during]()
        await assert_all_hung_up(ch)

    asterisk = run_on(kind, Scenario(script="hangup", notice=notice), check)
    if asterisk:
        # After result=-1 the channel asks nothing more, except after a prompt, where
        # -1 is "hung up" or "no such file": CHANNEL STATUS tells which. A HANGUP line
        # or SIGHUP already seen answers it without Asterisk; else Asterisk says 511.
        told_first = notice in (NOTICE_BEFORE, NOTICE_SIGHUP)
        expected = [] if during != "play" or told_first else \
            [b"511 Command Not Permitted on a dead channel or intercepted channel\n"]
        assert asterisk.replies(511) == expected
        assert asterisk.log[-1][0].startswith("CHANNEL STATUS" if expected else _VERBS[during])


_VERBS = {"play": "STREAM FILE", "collect": "EXEC \"Read\"", "wait_digit": "WAIT FOR DIGIT", "say": "SAY NUMBER"}


@pytest.mark.parametrize("kind, notice", notices())
def test_after_the_ivr_hangs_up_every_operation_is_a_hangup(kind, notice):
    async def check(ch):
        await ch.answer()
        await ch.hangup()
        await assert_all_hung_up(ch)

    run_on(kind, Scenario(script="", notice=notice), check)


def closes() -> list:
    # Not the fake channel: it has no connection for Asterisk to close; its only end of a
    # call is the script's `hangup`, covered by the hang-up tests.
    return [pytest.param(kind, id=kind) for kind in WIRE_KINDS]


@pytest.mark.parametrize("kind", closes())
def test_asterisk_closing_the_connection_is_a_hangup_for_every_later_operation(kind):
    async def check(ch):
        await ch.set_variable("IVR_X", "1")
        with pytest.raises(ChannelHungUp):
            await ch.answer()
        await assert_all_hung_up(ch)

    asterisk = run_on(kind, Scenario(close_on="ANSWER"), check)
    assert [c for c, _ in asterisk.log] == ['SET VARIABLE "IVR_X" "1"', "ANSWER"]


# -- 520 usage ---------------------------------------------------------------------


def usages() -> list:
    cases = [pytest.param(kind, True, USAGE["SAY NUMBER"].rstrip("\n"), id=f"{kind}-multi-line-520")
             for kind in WIRE_KINDS]
    cases += [pytest.param(kind, False, "Invalid command syntax.  Proper usage not available.",
                           id=f"{kind}-one-line-520") for kind in WIRE_KINDS]
    # The fake refuses what Asterisk's SAY NUMBER refuses, with its usage text in its words.
    cases.append(pytest.param("fake", True, None, id="fake"))
    return cases


@pytest.mark.parametrize("kind, usage_available, usage", usages())
def test_usage_error_carries_the_usage_and_the_channel_still_works(kind, usage_available, usage):
    async def check(ch):
        with pytest.raises(UsageError) as caught:
            await ch.say("number", "twelve")
        assert caught.value.command == "SAY NUMBER"
        if usage is not None:
            assert caught.value.usage == usage
        else:
            assert "number" in caught.value.usage.lower()
        # Nothing was consumed or broken: the call goes on.
        await ch.set_variable("IVR_AFTER", "ok")
        assert await ch.get_variable("IVR_AFTER") == "ok"
        assert await ch.play(["main-menu"]) == "1"
        assert ch.hung_up is False

    run_on(kind, Scenario(script="1", usage_available=usage_available), check)


# -- variables -----------------------------------------------------------------------


@ALL
def test_variables_set_then_get(kind):
    tricky = 'va"lue with spaces, a \\ and commas'

    async def check(ch):
        assert await ch.get_variable("IVR_NEVER_SET") is None   # unset: None, as the interface says
        await ch.set_variable("IVR_V", tricky)
        assert await ch.get_variable("IVR_V") == tricky
        await ch.set_variable("IVR_V", "second")
        assert await ch.get_variable("IVR_V") == "second"
        await ch.set_variable("IVR_EMPTY", "")
        assert await ch.get_variable("IVR_EMPTY") == ""          # set to nothing is not unset

    run_on(kind, Scenario(), check)


# -- the rest of the interface -----------------------------------------------------------


@pytest.mark.parametrize("status", ["TIMEOUT", "JOINEMPTY"])
@ALL
def test_queue_reports_how_the_caller_left_it(kind, status):
    async def check(ch):
        await ch.answer()
        await ch.start_recording("/tmp/ivr-contract.wav")
        result = await ch.queue("support", "", 30)
        assert result == QueueResult(status) and not result.answered

    run_on(kind, Scenario(queue_status=status), check)


@ALL
def test_a_channel_writes_nothing_to_stdout_or_stderr(kind, capfd):
    """Classic AGI's stdout is Asterisk's pipe and its stderr Asterisk's log:
    pyst2 writes every command to stderr; no channel may."""
    async def check(ch):
        await ch.answer()
        await ch.play(["welcome"])
        await ch.collect(["enter-pin"], 4, 3)
        await ch.set_variable("IVR_V", "1")
        await ch.hangup()

    capfd.readouterr()
    asterisk = run_on(kind, Scenario(script="1 12#"), check)
    assert capfd.readouterr() == ("", "")
    if asterisk:   # and the peer saw nothing but commands it knows
        assert asterisk.replies(510) == []
