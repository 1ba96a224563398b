"""Which FastAGI sessions may become calls (sans-IO), and a forged session against
the real controller beside the sandbox Asterisk: the call it claims stays as it was."""

from __future__ import annotations

import asyncio
import time

import pytest

from support import TEST_STATE, ivr_cli
from ivr.agi.admission import admit
from ivr.agi.events import Request
from ivr.errors import RefusedSession

CALL = {"agi_uniqueid": "1764500000.17", "agi_channel": "PJSIP/softphone-00000001", "agi_callerid": "48600100200"}


def request(**changes) -> Request:
    return Request({k: v for k, v in {**CALL, **changes}.items() if v is not None})


def test_a_call_from_asterisk_is_admitted():
    admit(request())
    admit(request(agi_uniqueid="pbx1-1764500000.17"))               # systemname set in asterisk.conf
    admit(request(agi_uniqueid="ivrcall-f4639bf8e7fc4fff"))          # an Originate's own ChannelId
    admit(request(agi_channel="Local/s@ivr-inbound-00000002;2"))


@pytest.mark.parametrize("changes, reason", [
    ({"agi_uniqueid": None}, "no agi_uniqueid"),
    ({"agi_uniqueid": ""}, "no agi_uniqueid"),
    ({"agi_uniqueid": "1764500000.17 OR 1=1"}, "is not a unique id"),
    ({"agi_uniqueid": "x" * 65}, "is not a unique id"),
    ({"agi_uniqueid": "\x00\x01"}, "is not a unique id"),
    ({"agi_channel": None}, "is not an Asterisk channel name"),
    ({"agi_channel": "softphone"}, "is not an Asterisk channel name"),
])
def test_headers_that_are_no_call_are_refused_naming_why(changes, reason):
    with pytest.raises(RefusedSession, match=reason) as caught:
        admit(request(**changes), peer="10.9.8.7")
    assert str(caught.value).startswith("10.9.8.7: ")


def test_the_token_is_required_when_the_controller_has_one():
    token = "5f0c1d2e3a4b5c6d7e8f9a0b"
    admit(request(agi_arg_1=token), token)
    for wrong in (None, "", token[:-1], token + "x", token.upper()):
        with pytest.raises(RefusedSession, match="wrong or missing token"):
            admit(request(agi_arg_1=wrong), token)


async def _forge(port: int, headers: bytes) -> bytes:
    """A peer that says it is Asterisk: sends the headers, answers every command 200
    (digits "9": the path that hangs up), and reads until the controller closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(headers)
    said = b""
    try:
        while line := await asyncio.wait_for(reader.readline(), 5):
            said += line
            writer.write(b"200 result=57\n" if line.startswith((b"STREAM", b"EXEC Read", b"WAIT")) else
                         b"200 result=1\n")
    except (asyncio.TimeoutError, ConnectionError):
        pass
    writer.close()
    return said


@pytest.mark.asterisk
def test_a_forged_session_changes_nothing_of_the_call_it_claims(controller, e2e_settings):
    import json
    res = ivr_cli("call", "--digits", "1", "--caller-id", "48600100299", "--hold", "6")
    assert res.returncode == 0, res.stderr
    real = json.loads(res.stdout)
    before = json.loads(ivr_cli("calls", "show", real["unique_id"], "--format", "json").stdout)
    headers = (f"agi_network: yes\nagi_network_script: ivr\nagi_channel: PJSIP/forger-00000001\n"
               f"agi_uniqueid: {real['unique_id']}\nagi_callerid: 666\nagi_dnid: 0800\n")
    # Without the dialplan's token: refused at the door.
    assert asyncio.run(_forge(e2e_settings.controller.port, (headers + "\n").encode())) == b""
    # With it (someone who read the dialplan, or Asterisk sending a unique id twice): the
    # session runs, and the call log refuses to let it touch a row another session owns.
    token = e2e_settings.controller.agi_token()
    assert asyncio.run(_forge(e2e_settings.controller.port, (headers + f"agi_arg_1: {token}\n\n").encode()))
    # Random bytes with a blank line in them: no call at all.
    asyncio.run(_forge(e2e_settings.controller.port, b"\x16\x03\x01 GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
    time.sleep(1.5)   # the controller's writer has had its chance
    after = json.loads(ivr_cli("calls", "show", real["unique_id"], "--format", "json").stdout)
    assert after == before
    assert after["caller_id"] == "48600100299" and after["path"] == real["path"]
    log = (TEST_STATE / "controller.log").read_text(errors="replace")
    assert "refused a session claiming a call row another session owns" in log
    assert "wrong or missing token" in log
    listed = json.loads("[" + ",".join(ivr_cli("calls", "list", "--format", "json", "--limit", "20")
                                       .stdout.splitlines()) + "]")
    assert all(c["unique_id"] for c in listed)   # no row with an empty unique id
