"""The AGI readers with Asterisk's real reply shapes (res_agi.c) and random bytes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.agi.events import NEED_DATA, HangupNotice, Reply, Request, Trying
from ivr.agi.readers import HeaderReader, ReplyReader
from ivr.errors import HeaderTooLarge, IncompleteHeaders, MalformedReply, ProtocolError

HEADERS = (b"agi_network: yes\n"
           b"agi_network_script: ivr\n"
           b"agi_request: agi://127.0.0.1:4573/ivr\n"
           b"agi_channel: Local/s@ivr-inbound-00000001;2\n"
           b"agi_uniqueid: 1763840000.12\n"
           b"agi_callerid: 48600100200\n"
           b"agi_arg_1: first\n"
           b"agi_arg_2: a:b\n"
           b"\n")


def replies(data: bytes) -> list:
    r = ReplyReader()
    r.feed(data)
    out = []
    while (e := r.next_event()) is not NEED_DATA:
        out.append(e)
    return out


def test_headers_parse_with_colons_in_values():
    h = HeaderReader()
    h.feed(HEADERS)
    req = h.next_event()
    assert isinstance(req, Request)
    assert req.get("agi_request") == "agi://127.0.0.1:4573/ivr"
    assert req.script == "ivr"
    assert req.unique_id == "1763840000.12"
    assert req.arguments == ("first", "a:b")


def test_headers_byte_by_byte_need_data_until_blank_line():
    h = HeaderReader()
    for i, byte in enumerate(HEADERS):
        assert h.next_event() is NEED_DATA
        h.feed(bytes([byte]))
    assert isinstance(h.next_event(), Request)


def test_headers_crlf():
    h = HeaderReader()
    h.feed(HEADERS.replace(b"\n", b"\r\n"))
    assert h.next_event().caller_id == "48600100200"


def test_headers_too_large_without_newline():
    h = HeaderReader(max_bytes=1024)
    h.feed(b"agi_network: " + b"x" * 2000)
    with pytest.raises(HeaderTooLarge):
        h.next_event()


def test_headers_closed_early():
    h = HeaderReader()
    h.feed(b"agi_network: yes\nagi_uniq")
    assert h.next_event() is NEED_DATA
    with pytest.raises(IncompleteHeaders):
        h.at_eof()


@pytest.mark.parametrize("line, code, result, data, extras", [
    (b"200 result=0\n", 200, "0", None, {}),
    (b"200 result=-1\n", 200, "-1", None, {}),
    (b"200 result=49 endpos=10240\n", 200, "49", None, {"endpos": "10240"}),
    (b"200 result=1 (hotline)\n", 200, "1", "hotline", {}),
    (b"200 result=1 (value with spaces)\n", 200, "1", "value with spaces", {}),
    (b"200 result= (timeout)\n", 200, "", "timeout", {}),
    (b"200 result=1234 (timeout) endpos=8000\n", 200, "1234", "timeout", {"endpos": "8000"}),
    (b"510 Invalid or unknown command\n", 510, "", "Invalid or unknown command", {}),
    (b"511 Command Not Permitted on a dead channel or intercept routine\n", 511, "",
     "Command Not Permitted on a dead channel or intercept routine", {}),
    (b"520 Invalid command syntax.  Proper usage not available.\n", 520, "",
     "Invalid command syntax.  Proper usage not available.", {}),
])
def test_reply_shapes(line, code, result, data, extras):
    [reply] = replies(line)
    assert (reply.code, reply.result, reply.data, dict(reply.extras)) == (code, result, data, extras)


def test_multiline_520_usage_is_one_reply():
    data = (b"520-Invalid command syntax.  Proper usage follows:\n"
            b" Usage: STREAM FILE <filename> <escape digits> [sample offset]\n"
            b"  Send the given file, allowing playback to be interrupted by the given digits.\n"
            b"520 End of proper usage.\n"
            b"200 result=0\n")
    usage, ok = replies(data)
    assert usage.code == 520 and "Usage: STREAM FILE" in usage.data
    assert ok.code == 200


def test_gosub_trying_then_reply_and_hangup_line():
    events = replies(b"100 result=0 Trying...\n200 result=0 Gosub complete\nHANGUP\n")
    assert isinstance(events[0], Trying)
    assert isinstance(events[1], Reply) and events[1].code == 200
    assert isinstance(events[2], HangupNotice)


def test_garbage_line_is_malformed():
    with pytest.raises(MalformedReply):
        replies(b"hello there\n")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=50))
def test_any_bytes_give_typed_result_or_typed_error(data, chunk):
    """Fed in any chunking, random bytes never hang, crash or loop."""
    for reader in (ReplyReader(), HeaderReader(max_bytes=256)):
        try:
            for i in range(0, len(data), chunk):
                reader.feed(data[i:i + chunk])
                for _ in range(len(data) + 2):
                    event = reader.next_event()
                    if event is NEED_DATA or isinstance(event, Request):
                        break
                    assert isinstance(event, (Reply, HangupNotice, Trying))
                else:
                    pytest.fail("reader produced events without consuming input")
            reader.at_eof()
        except ProtocolError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([b"200 result=0\n", b"200 result=49 endpos=1\n", b"HANGUP\n",
                                 b"100 result=0 Trying...\n", b"510 Invalid or unknown command\n",
                                 b"520-Invalid command syntax.  Proper usage follows:\nUsage: X\n520 End of proper usage.\n"]),
                max_size=20), st.integers(min_value=1, max_value=7))
def test_valid_streams_split_anywhere_give_same_events(lines, chunk):
    whole = b"".join(lines)
    expected = replies(whole)
    r = ReplyReader()
    got = []
    for i in range(0, len(whole), chunk):
        r.feed(whole[i:i + chunk])
        while (e := r.next_event()) is not NEED_DATA:
            got.append(e)
    assert got == expected
    assert len(got) == len(lines)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=80).filter(lambda b: b"\n" not in b),
       st.sampled_from([b"", b"\r", b"\r\r", b" \r"]))
def test_200_short_path_gives_what_the_general_path_gives(tail, ending):
    """next_event's short path for `200 result=...` lines agrees with _line on any tail."""
    line = b"200 result=" + tail + ending
    [fast] = replies(line + b"\n")
    slow = ReplyReader()._line(line.decode("utf-8", "replace").rstrip("\r"))
    assert fast == slow
    assert type(fast.extras) is dict
