"""The AGI connection state machine: one command in flight, HANGUP anywhere."""

import pytest

from ivr.agi.connection import CLOSED, AGIConnection, State, encode_command
from ivr.agi.events import NEED_DATA, HangupNotice, Reply, Request, Trying
from ivr.errors import IncompleteHeaders, LocalProtocolError, MalformedReply


def ready() -> AGIConnection:
    c = AGIConnection()
    c.receive_data(b"agi_uniqueid: 1.1\n\n")
    assert isinstance(c.next_event(), Request)
    return c


def test_encode_quotes_and_escapes():
    assert encode_command("stream file", "welcome", "12#") == b'STREAM FILE "welcome" "12#"\n'
    assert encode_command("SET VARIABLE", "X", 'say "hi" \\ bye') == b'SET VARIABLE "X" "say \\"hi\\" \\\\ bye"\n'
    with pytest.raises(LocalProtocolError):
        encode_command("SET VARIABLE", "X", "two\nlines")


def test_two_commands_in_flight_is_refused_naming_the_state():
    c = ready()
    c.send("ANSWER")
    with pytest.raises(LocalProtocolError, match="awaiting a reply.*ANSWER"):
        c.send("HANGUP")


def test_reply_returns_to_idle():
    c = ready()
    c.send("ANSWER")
    c.receive_data(b"200 result=0\n")
    assert isinstance(c.next_event(), Reply)
    assert c.state is State.IDLE
    c.send("HANGUP")


def test_hangup_while_awaiting_reply_marks_hung_up_and_reply_still_counts():
    c = ready()
    c.send("STREAM FILE", "x", "")
    c.receive_data(b"HANGUP\n200 result=-1 endpos=0\n")
    assert isinstance(c.next_event(), HangupNotice)
    assert c.hung_up
    reply = c.next_event()
    assert reply.result == "-1" and c.state is State.IDLE


def test_gosub_interim_line():
    c = ready()
    c.send("GOSUB", "sub", "s", "1")
    c.receive_data(b"100 result=0 Trying...\n200 result=0 Gosub complete\n")
    assert isinstance(c.next_event(), Trying)
    assert isinstance(c.next_event(), Reply)


def test_unsolicited_reply_is_malformed():
    c = ready()
    c.receive_data(b"200 result=0\n")
    with pytest.raises(MalformedReply):
        c.next_event()


def test_eof_before_headers_end():
    c = AGIConnection()
    c.receive_data(b"agi_network: yes\n")
    assert c.next_event() is NEED_DATA
    c.receive_data(b"")
    with pytest.raises(IncompleteHeaders):
        c.next_event()


def test_eof_while_awaiting_reply_is_closed():
    c = ready()
    c.send("ANSWER")
    c.receive_data(b"")
    assert c.next_event() is CLOSED
    with pytest.raises(LocalProtocolError, match="closed"):
        c.send("ANSWER")
