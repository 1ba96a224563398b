"""The FastAGI server against the real sandbox Asterisk: every channel
operation once, hangups, usage errors, bad peers, many calls at once."""

from __future__ import annotations

import asyncio
import socket
import uuid
import wave

import pytest

from support import run
from ivr.agi.fastagi import FastAGIChannel, FastAGIServer
from ivr.ami.client import AMIClient
from ivr.errors import ChannelHungUp, CommandFailed, UsageError

pytestmark = pytest.mark.asterisk


class Harness:
    """A FastAGI server on an ephemeral port plus an AMI client, one loop."""

    def __init__(self, settings, handler):
        self.settings, self.handler = settings, handler
        self.results: dict[str, object] = {}

    async def __aenter__(self):
        self.server = FastAGIServer(self._handle, port=0, header_timeout=2, max_header_bytes=64 * 1024)
        await self.server.start()
        self.ami = AMIClient(self.settings.ami)
        await self.ami.connect()
        return self

    async def __aexit__(self, *exc):
        await self.server.drain(10)
        self.ami.close()

    async def _handle(self, channel: FastAGIChannel):
        key = channel.info.unique_id
        try:
            self.results[key] = await self.handler(self, channel)
        except Exception as exc:  # the test inspects what the handler met
            self.results[key] = exc
            raise

    async def call(self, hold: float = 30, digits: str = "", caller_id: str = "") -> tuple[str, str, asyncio.Future]:
        """Originate a caller; return (caller uid, agi uid, future of the AGI side's Hangup)."""
        caller_uid, agi_uid = f"t-{uuid.uuid4().hex[:12]}", f"a-{uuid.uuid4().hex[:12]}"
        hangup = self.ami.wait_for(lambda e: e.event == "Hangup" and e.get("Uniqueid") == agi_uid)
        action = {"Action": "Originate", "Channel": "Local/s@ivr-agi-test", "Context": "ivr-test-caller",
                  "Exten": "s", "Priority": "1", "Async": "true", "ChannelId": caller_uid,
                  "OtherChannelId": agi_uid,
                  "Variable": [f"__IVR_AGI_PORT={self.server.port}", f"IVR_TEST_HOLD={hold}",
                               f"IVR_TEST_DIGITS={digits}", "IVR_TEST_DELAY=0.2"]}
        if caller_id:
            action["CallerID"] = caller_id
        await self.ami.action(action)
        return caller_uid, agi_uid, hangup

    async def press(self, channel: FastAGIChannel, digit: str) -> None:
        """The caller presses a key (AMI PlayDTMF on the caller half of the Local channel)."""
        caller = channel.info.channel.rsplit(";", 1)[0] + ";1"
        await self.ami.action({"Action": "PlayDTMF", "Channel": caller, "Digit": digit, "Duration": "150"})


def sound(name: str, settings) -> str:
    return str(settings.prompts_dir / "en" / name)


def test_every_channel_operation_once(e2e_settings):
    recording = e2e_settings.recordings.directory / f"optest-{uuid.uuid4().hex[:8]}.wav"

    async def handler(h: Harness, ch: FastAGIChannel):
        seen = {}
        await ch.answer()
        await ch.set_variable("IVR_TEST_VAR", 'va"lue with spaces')
        seen["get"] = await ch.get_variable("IVR_TEST_VAR")
        seen["unset"] = await ch.get_variable("IVR_NEVER_SET")
        seen["caller_id"] = ch.info.caller_id
        await ch.start_recording(str(recording))
        seen["play_plain"] = await ch.play([sound("info", e2e_settings)], "")
        asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(h.press(ch, "7")))
        seen["play_barge"] = await ch.play([sound("main-menu", e2e_settings)] * 3, "0123456789*#")
        seen["wait_timeout"] = await ch.wait_digit(0.3)
        asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(h.press(ch, "4")))
        seen["wait_digit"] = await ch.wait_digit(5)
        for i, d in enumerate("12#"):
            asyncio.get_running_loop().call_later(0.4 + 0.4 * i, lambda d=d: asyncio.ensure_future(h.press(ch, d)))
        seen["collect"] = await ch.collect([sound("main-menu", e2e_settings)], 5, 3)
        seen["say"] = await ch.say("number", "42", "")
        seen["say_digits"] = await ch.say("digits", "123", "")
        try:
            await ch.command("STREAM FILE")
        except UsageError as exc:
            seen["usage"] = exc.usage
        try:
            await ch.command("NO SUCH COMMAND")
        except CommandFailed as exc:
            seen["unknown"] = exc.code
        try:
            await ch.play([sound("does-not-exist", e2e_settings)])
        except CommandFailed as exc:
            seen["missing"] = str(exc)
        await ch.hangup()
        return seen

    async def scenario():
        async with Harness(e2e_settings, handler) as h:
            _, agi_uid, hangup = await h.call(caller_id="48600100200")
            await asyncio.wait_for(hangup, 60)
            for _ in range(100):
                if agi_uid in h.results:
                    break
                await asyncio.sleep(0.05)
            return h.results[agi_uid]

    seen = run(scenario())
    assert not isinstance(seen, Exception), seen
    assert seen["get"] == 'va"lue with spaces'
    assert seen["unset"] is None
    assert seen["caller_id"] == "48600100200"
    assert seen["play_plain"] == ""
    assert seen["play_barge"] == "7"
    assert seen["wait_timeout"] == ""
    assert seen["wait_digit"] == "4"
    assert seen["collect"] == "12"
    assert seen["say"] == "" and seen["say_digits"] == ""
    assert "playback" in seen["usage"]  # Asterisk 22 sends the command's description as usage
    assert seen["unknown"] == 510
    assert "does-not-exist" in seen["missing"]
    # MixMonitor wrote a real WAV while the prompts played.
    for _ in range(50):
        if recording.exists() and recording.stat().st_size > 44:
            break
        asyncio.run(asyncio.sleep(0.1))
    with wave.open(str(recording)) as w:
        assert w.getnframes() / w.getframerate() > 1.0


def test_caller_hangs_up_in_the_middle_of_a_prompt(e2e_settings):
    async def handler(h: Harness, ch: FastAGIChannel):
        await ch.answer()
        try:
            await ch.play([sound("main-menu", e2e_settings)] * 10, "")
        except ChannelHungUp:
            pass
        else:
            return "prompt finished"
        # After the hangup every operation is a typed hangup, not a hang.
        try:
            await ch.get_variable("X")
        except ChannelHungUp:
            return "hung up"
        return "no error after hangup"

    async def scenario():
        async with Harness(e2e_settings, handler) as h:
            _, agi_uid, hangup = await h.call(hold=1.0)
            await asyncio.wait_for(hangup, 30)
            for _ in range(100):
                if agi_uid in h.results and not h.server.sessions:
                    break
                await asyncio.sleep(0.05)
            return h.results.get(agi_uid), len(h.server.sessions)

    result, open_sessions = run(scenario())
    assert result == "hung up"
    assert open_sessions == 0  # the socket was closed: Asterisk is not left waiting


def test_fifty_calls_at_once(e2e_settings):
    async def handler(h: Harness, ch: FastAGIChannel):
        await ch.answer()
        await ch.set_variable("IVR_N", ch.info.unique_id)
        value = await ch.get_variable("IVR_N")
        await ch.play([sound("info", e2e_settings)], "")
        await ch.hangup()
        return value

    async def scenario():
        async with Harness(e2e_settings, handler) as h:
            calls = [await h.call() for _ in range(50)]
            await asyncio.wait_for(asyncio.gather(*(c[2] for c in calls)), 120)
            for _ in range(200):
                if all(c[1] in h.results for c in calls):
                    break
                await asyncio.sleep(0.05)
            return [(c[1], h.results.get(c[1])) for c in calls]

    results = run(scenario())
    assert [value for _, value in results] == [uid for uid, _ in results]


def _bad_peer(port: int, payload: bytes) -> bytes:
    """Send payload, half-close, return what the server sent back before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
            return s.recv(1024)
        except (ConnectionResetError, BrokenPipeError):
            return b""


@pytest.mark.parametrize("payload", [
    pytest.param(b"agi_network: yes\nagi_uniqueid: 1.2\n", id="closes-before-headers-end"),
    pytest.param(b"agi_network: " + b"x" * (4 * 1024 * 1024), id="4MiB-header-line"),
])
def test_bad_peer_is_dropped_and_real_calls_still_work(e2e_settings, payload):
    async def handler(h: Harness, ch: FastAGIChannel):
        await ch.answer()
        await ch.hangup()
        return "served"

    async def scenario():
        async with Harness(e2e_settings, handler) as h:
            answer = await asyncio.to_thread(_bad_peer, h.server.port, payload)
            _, agi_uid, hangup = await h.call()
            await asyncio.wait_for(hangup, 30)
            for _ in range(100):
                if agi_uid in h.results:
                    break
                await asyncio.sleep(0.05)
            return answer, h.server.rejected, h.results.get(agi_uid)

    answer, rejected, served = run(scenario())
    assert answer == b""  # nothing but AGI commands is ever written
    assert rejected == 1
    assert served == "served"


def test_silent_peer_times_out(e2e_settings):
    async def handler(h, ch):
        return "unexpected"

    async def scenario():
        async with Harness(e2e_settings, handler) as h:
            reader, writer = await asyncio.open_connection("127.0.0.1", h.server.port)
            writer.write(b"agi_network: yes\n")
            closed = await asyncio.wait_for(reader.read(), 10)  # server gives up after header_timeout
            writer.close()
            return closed, h.server.rejected

    closed, rejected = run(scenario())
    assert closed == b"" and rejected == 1
