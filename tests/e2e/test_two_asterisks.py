"""Two Asterisks and two controllers on one PostgreSQL (issue 16, item 2): the sandbox's
Asterisk (systemname `sandbox`, AMI 5038) and the chroot's second one (`sandbox-b`, AMI
5039), each controller linked to both (`ami:` a list). Callers ring either Asterisk; each
call is logged once with the Asterisk that took it, each queued call gets one handle-time
record carrying the same Asterisk, one controller folds each Asterisk's events, and one
report covers both. `ivr doctor` checks each Asterisk, and names one whose systemname is not
the name config.yaml gives it."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest
import yaml
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from support import E2E_CONFIG, IVR, ROOT, Controller, ivr_cli
from ivr.store.db import open_engine
from ivr.store.models import Call, HandleTimeRow

pytestmark = pytest.mark.asterisk

PORTS = {"duo-1": 4563, "duo-2": 4564}   # ports no other test uses


@pytest.fixture(scope="module")
def second_asterisk(sandbox):
    second = sandbox.second()
    second.up()
    yield second
    second.down()


def write_config(tmp_path, name: str, asterisks: list[dict], db_url: str, port: int = 0) -> os.PathLike:
    doc = yaml.safe_load(E2E_CONFIG.read_text().replace("../../", f"{ROOT}/"))
    doc["controller"] |= {"port": port or PORTS["duo-1"], "id": name, "metrics_port": 0}
    doc["database"]["url"] = db_url
    doc["state_dir"] = str(tmp_path / f"state-{name}")
    secret = doc["ami"]["secret_file"]
    doc["ami"] = [{**a, "secret_file": secret} for a in asterisks]
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def start_call(config, pool: str, caller: str) -> subprocess.Popen:
    """A caller on the first Asterisk of `config`'s ami: list, into the support queue."""
    return subprocess.Popen([*IVR, "--config", str(config), "call", "--digits", "0", "--hold", "30",
                             "--caller-id", caller, "--var", f"__IVR_CONTROLLERS={pool}",
                             "--var", "__AGENT_TALK_SECONDS=2", "--var", "__AGENT_RING_SECONDS=1"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc) -> dict:
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    return json.loads(out)


def status(tmp_path, name: str) -> dict:
    path = tmp_path / f"state-{name}" / "status" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def wait_linked(tmp_path, timeout: float = 30) -> None:
    """Until both controllers say both AMI links are up and each Asterisk has a leader."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        docs = [status(tmp_path, n) for n in PORTS]
        links = [a for d in docs for a in d.get("asterisks", [])]
        if len(links) == 4 and all(a["ami"] for a in links) and \
                {a["name"] for a in links if a["leader"]} == {"sandbox", "sandbox-b"}:
            return
        time.sleep(0.5)
    pytest.fail(f"the controllers did not link to both Asterisks in {timeout} s: {docs}")


def test_two_asterisks_two_controllers_one_database(sandbox, second_asterisk, e2e_settings, tmp_path,
                                                    postgres_url):
    fresh = create_engine(postgres_url)
    with fresh.begin() as conn:   # the session's database, emptied for this test
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    fresh.dispose()
    a = {"name": "sandbox", "port": 5038, "queue_log": str(sandbox.queue_log)}
    b = {"name": "sandbox-b", "port": 5039, "queue_log": str(second_asterisk.queue_log)}
    controllers = [Controller(write_config(tmp_path, name, [a, b], postgres_url, port), port,
                              tmp_path / f"{name}.log") for name, port in PORTS.items()]
    try:
        wait_linked(tmp_path)
        on_a = write_config(tmp_path, "caller-a", [a], postgres_url)   # `ivr call` rings the first Asterisk
        on_b = write_config(tmp_path, "caller-b", [b], postgres_url)
        forward, backward = "127.0.0.1:4563&127.0.0.1:4564", "127.0.0.1:4564&127.0.0.1:4563"
        procs = [(start_call(on_a, forward, "48600200001"), "sandbox"),
                 (start_call(on_b, backward, "48600200002"), "sandbox-b"),
                 (start_call(on_b, forward, "48600200003"), "sandbox-b"),
                 (start_call(on_a, backward, "48600200004"), "sandbox")]
        calls = [(finish(p), where) for p, where in procs]
    finally:
        for c in controllers:
            c.stop()

    engine = open_engine(postgres_url)
    try:
        for call, where in calls:
            assert call["outcome"] == "queue:support", call
            uid = call["unique_id"]   # `ivr call` names its channel (ivrcall-...): no systemname prefix
            with Session(engine) as s:
                rows = list(s.scalars(select(Call).where(Call.unique_id == uid)))
            assert len(rows) == 1, f"{uid}: {len(rows)} call rows"
            assert (rows[0].asterisk, rows[0].ended_at is not None) == (where, True)
            assert rows[0].owner in PORTS
        # Only these calls' records: at start the leaders also replay the day's queue_log.
        uids = [call["unique_id"] for call, _ in calls]
        deadline = time.monotonic() + 20
        while True:
            with Session(engine) as s:
                records = list(s.scalars(select(HandleTimeRow).where(HandleTimeRow.unique_id.in_(uids))))
            if len(records) >= len(calls) or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        by_call = {r.unique_id: r for r in records}
        assert len(records) == len(by_call) == len(calls), [(r.unique_id, r.asterisk) for r in records]
        for call, where in calls:
            r = by_call[call["unique_id"]]
            assert (r.asterisk, r.queue, r.outcome, r.agent) == (where, "support", "answered", "Agent One")
    finally:
        engine.dispose()

    # One report over both Asterisks: the four answered calls (the replayed records of earlier
    # tests' calls entered before them).
    since = min(r.entered_at for r in records).isoformat()
    report = ivr_cli("report", "handle-times", "--since", since, "--format", "json",
                     env={"IVR_DATABASE_URL": postgres_url})
    assert report.returncode == 0, report.stderr
    total = [row for row in json.loads(report.stdout)["rows"] if row["key"] == "total"]
    assert [(t["calls"], t["answered"]) for t in total] == [(4, 4)]


def doctor_sections(stdout: str) -> dict[str, dict[str, tuple[str, str]]]:
    """`ivr doctor` with several Asterisks: {asterisk: {check: (ok|FAIL, detail)}}."""
    import re
    out: dict[str, dict[str, tuple[str, str]]] = {}
    current = None
    for line in stdout.splitlines():
        head = re.fullmatch(r"== (\S+) \(.*\)", line)
        if head:
            current = out.setdefault(head.group(1), {})
            continue
        m = re.fullmatch(r"(ok|FAIL)\s+([^:]+): (.*)", line)
        assert m and current is not None, f"not a doctor line: {line!r}"
        current[m.group(2)] = (m.group(1), m.group(3))
    return out


def test_doctor_checks_each_asterisk_and_names_a_wrong_systemname(sandbox, second_asterisk, e2e_settings,
                                                                   tmp_path):
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    a = {"name": "sandbox", "port": 5038}
    good = write_config(tmp_path, "doctor-good", [a, {"name": "sandbox-b", "port": 5039}], url, port=4599)
    res = ivr_cli("doctor", config=good)
    sections = doctor_sections(res.stdout)
    assert list(sections) == ["sandbox", "sandbox-b"], res.stdout + res.stderr
    for name, checks in sections.items():
        assert all(status == "ok" for status, _ in checks.values()), res.stdout
        assert checks["systemname"][1].startswith(f"{name} ")
    assert res.returncode == 0

    wrong = write_config(tmp_path, "doctor-wrong", [a, {"name": "site-2", "port": 5039}], url, port=4599)
    res = ivr_cli("doctor", config=wrong)
    sections = doctor_sections(res.stdout)
    assert res.returncode == 1
    assert all(status == "ok" for status, _ in sections["sandbox"].values())
    failed = {check: why for check, (status, why) in sections["site-2"].items() if status == "FAIL"}
    assert list(failed) == ["systemname"], res.stdout
    assert "'sandbox-b'" in failed["systemname"] and "'site-2'" in failed["systemname"]
