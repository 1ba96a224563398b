"""`ivr doctor`'s verdicts against a fake AMI link, for what the shared sandbox cannot be
made to show without a restart: timestampevents off, an AMI user short of read or write
permissions, a module missing. The FastAGI round trip is real (the fake connects to the
doctor's test server as Asterisk would)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from ivr.errors import AMIError
from ivr.install.doctor import _checks

ALL_ACTIONS = ("Originate", "QueuePause", "QueueAdd", "QueueRemove", "UserEvent", "CoreShowChannels",
               "QueueStatus", "ListCommands", "CoreSettings")


class FakeAMI:
    """Answers the doctor's actions as an Asterisk with these settings would."""

    def __init__(self, read=("agent", "call", "user"), actions=ALL_ACTIONS, timestamps=True,
                 queues=("support",), mixmonitor=True, token="tok-0123456789abcdef", systemname=""):
        self.read, self.actions, self.timestamps = set(read), set(actions), timestamps
        self.queues, self.mixmonitor, self.token = queues, mixmonitor, token
        self.waiters: list = []
        self.systemname = systemname

    def emit(self, event: dict, klass: str) -> None:
        if klass not in self.read:
            return
        if self.timestamps:
            event = {**event, "Timestamp": "1796051077.123456"}
        for item in list(self.waiters):
            predicate, fut = item
            if not fut.done() and predicate(event):
                fut.set_result(event)
                self.waiters.remove(item)

    def wait_for(self, predicate):
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((predicate, fut))
        return fut

    async def action(self, action: dict, timeout: float = 10, as_list: bool = False):
        name = action["Action"]
        if name not in self.actions and name not in ("ListCommands", "QueueStatus"):
            raise AMIError(f"AMI {name} failed: Permission denied")
        if name == "CoreSettings":
            return {"Response": "Success", "AsteriskVersion": "22.10.1", "SystemName": self.systemname}
        if name == "ListCommands":
            return {"Response": "Success", **{a: "..." for a in self.actions}}
        if name == "UserEvent":
            asyncio.get_running_loop().call_soon(self.emit, {"Event": "UserEvent", **{
                k: v for k, v in action.items() if k != "Action"}}, "user")
            return {"Response": "Success"}
        if name == "QueueStatus":
            return [{"Response": "Success"}, *({"Event": "QueueParams", "Queue": q} for q in self.queues)]
        if name == "Originate":
            asyncio.ensure_future(self._call(action))
            return {"Response": "Success"}
        raise AssertionError(name)

    async def _call(self, action: dict) -> None:
        """The Local channel into [ivr-doctor]: AGI to the doctor's server, then the UserEvent."""
        address = next(v.split("=", 1)[1] for v in action["Variable"] if v.startswith("IVR_DOCTOR_AGI="))
        host, port = address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(f"agi_network: yes\nagi_uniqueid: {action['OtherChannelId']}\n"
                     f"agi_arg_1: {self.token}\n\n".encode())
        line = await reader.readline()
        assert line == b"EXEC StopMixMonitor\n"
        writer.write(b"200 result=0\n" if self.mixmonitor else b"200 result=-2\n")
        await writer.drain()
        await reader.read()
        writer.close()
        self.emit({"Event": "UserEvent", "UserEvent": "IVRDoctor", "Uniqueid": action["OtherChannelId"],
                   "AGIStatus": "SUCCESS"}, "user")
        self.emit({"Event": "Hangup", "Uniqueid": action["OtherChannelId"]}, "call")


def doctor(fake: FakeAMI, queues=("support",), token="tok-0123456789abcdef",
           name: str = "") -> dict[str, tuple[bool, str]]:
    ami = SimpleNamespace(username="ivr", name=name)
    settings = SimpleNamespace(ami=ami, asterisks=(ami,))
    checks = asyncio.run(_checks(fake, [], settings, list(queues), "127.0.0.1", 0, token, 3))
    return {c.name: (c.ok, c.detail) for c in checks}


def test_all_ok():
    found = doctor(FakeAMI())
    assert all(ok for ok, _ in found.values()), found
    assert list(found) == ["version", "systemname", "AMI write permissions", "AMI read permissions", "timestampevents",
                           "modules", "queues", "FastAGI round trip"]


def test_timestampevents_off_and_a_queue_missing_are_both_named():
    found = doctor(FakeAMI(timestamps=False), queues=("support", "sales"))
    failed = {name: why for name, (ok, why) in found.items() if not ok}
    assert set(failed) == {"timestampevents", "queues"}
    assert "timestampevents = yes" in failed["timestampevents"]
    assert failed["queues"].startswith("not in Asterisk: sales ")


def test_missing_read_permissions_are_named():
    ok, why = doctor(FakeAMI(read=("agent", "user")))["AMI read permissions"]
    assert not ok and "add call to the user's read=" in why


def test_missing_write_permission_is_named():
    ok, why = doctor(FakeAMI(actions=set(ALL_ACTIONS) - {"QueuePause", "QueueAdd", "QueueRemove"}))[
        "AMI write permissions"]
    assert not ok and "cannot send QueuePause, QueueAdd, QueueRemove: add agent" in why


def test_missing_mixmonitor_is_named():
    ok, why = doctor(FakeAMI(mixmonitor=False))["modules"]
    assert not ok and "app_mixmonitor" in why


def test_another_token_is_named():
    ok, why = doctor(FakeAMI(token="someone-elses-token"))["FastAGI round trip"]
    assert not ok and "IVR_AGI_TOKEN" in why


def test_a_systemname_other_than_the_configured_name_is_named_with_both():
    found = doctor(FakeAMI(systemname="pbx-b"), name="pbx-a")
    failed = {name: why for name, (ok, why) in found.items() if not ok}
    assert list(failed) == ["systemname"]
    assert "'pbx-b'" in failed["systemname"] and "'pbx-a'" in failed["systemname"]
    assert "systemname = pbx-a" in failed["systemname"]          # the fix


def test_the_same_systemname_as_configured_is_ok():
    assert doctor(FakeAMI(systemname="pbx-a"), name="pbx-a")["systemname"] == (True, "pbx-a (the name config.yaml gives it)")
