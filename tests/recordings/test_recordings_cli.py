"""`ivr recordings list|show|export|purge|audit` as a user runs it, on real WAVs."""

from __future__ import annotations

import getpass
import json

import pytest
from pydub import AudioSegment

from support import ivr_cli

ACTOR = f"cli:{getpass.getuser()}"


@pytest.fixture
def db_url(tmp_path):
    """The command as a user runs it, on the default database. Its queries (search pages,
    finalize, purge, audit) run on PostgreSQL too, in tests/web/test_*search_store.py and
    tests/recordings/test_finalize.py and test_mixmonitor_files.py."""
    return f"sqlite:///{tmp_path / 'ivr.db'}"


def _json(rec_env, *args):
    done = ivr_cli("recordings", *args, "--format", "json", config=rec_env.config)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_list_and_filters(rec_env, three):
    a, b, old = three
    ids = lambda rows: sorted(r["unique_id"] for r in rows)  # noqa: E731
    assert ids(_json(rec_env, "list")) == sorted([a.unique_id, b.unique_id, old.unique_id])
    assert ids(_json(rec_env, "list", "--caller", "600100")) == sorted([a.unique_id, old.unique_id])
    assert ids(_json(rec_env, "list", "--queue", "sales")) == [b.unique_id]
    assert ids(_json(rec_env, "list", "--agent", "PJSIP/alice", "--since", "2020-01-01")) \
        == sorted([a.unique_id, old.unique_id])
    assert ids(_json(rec_env, "list", "--min-duration", "5")) == [b.unique_id]
    recent = old.started_at.replace(tzinfo=None).isoformat()
    assert old.unique_id not in ids(_json(rec_env, "list", "--since", recent[:10] + "T23:59:59"))
    table = ivr_cli("recordings", "list", config=rec_env.config)
    assert table.returncode == 0 and "+48600999888" in table.stdout and "6.0" in table.stdout


def test_bad_date_is_exit_1(rec_env):
    done = ivr_cli("recordings", "list", "--since", "yesterday", config=rec_env.config)
    assert done.returncode == 1 and "--since 'yesterday'" in done.stderr


def test_show(rec_env, three):
    a, _, _ = three
    by_id = _json(rec_env, "show", str(a.id))
    by_uid = _json(rec_env, "show", a.unique_id)
    assert by_id == by_uid
    assert by_id["duration_s"] == 3.0 and by_id["problem"] is None
    assert by_id["file"] == str((rec_env.recordings / a.path).resolve())
    missing = ivr_cli("recordings", "show", "nope.1", config=rec_env.config)
    assert missing.returncode == 1 and "no recording 'nope.1'" in missing.stderr


def test_export_formats_and_audit(rec_env, three, tmp_path):
    a, _, _ = three
    for fmt in ("wav", "mp3", "ogg"):
        out = tmp_path / f"out.{fmt}"
        done = ivr_cli("recordings", "export", a.unique_id, "-o", str(out), config=rec_env.config)
        assert done.returncode == 0, done.stderr
        assert abs(len(AudioSegment.from_file(out, format=fmt)) / 1000 - 3.0) < 0.2
    forced = tmp_path / "noext"
    assert ivr_cli("recordings", "export", str(a.id), "-o", str(forced), "--to", "mp3",
                   config=rec_env.config).returncode == 0
    assert forced.read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    audit = _json(rec_env, "audit", a.unique_id)
    assert [e["action"] for e in audit] == ["export"] * 4
    assert all(e["actor"] == ACTOR for e in audit)


def test_export_of_a_missing_file_names_it(rec_env, three, tmp_path):
    a, _, _ = three
    (rec_env.recordings / a.path).unlink()
    done = ivr_cli("recordings", "export", str(a.id), "-o", str(tmp_path / "x.wav"), config=rec_env.config)
    assert done.returncode == 1
    assert "file missing on disk" in done.stderr and a.path in done.stderr
    assert _json(rec_env, "audit") == []       # nothing exported, nothing audited


def test_purge_without_yes_deletes_nothing(rec_env, three):
    a, b, old = three
    plan = _json(rec_env, "purge")
    assert [r["unique_id"] for r in plan["recordings"]] == [old.unique_id]
    assert plan["deleted"] == 0 and plan["retention_days"] == 90
    assert (rec_env.recordings / old.path).exists()
    assert len(_json(rec_env, "list")) == 3
    assert _json(rec_env, "audit") == []
    text = ivr_cli("recordings", "purge", config=rec_env.config)
    assert "would delete 1 recording(s)" in text.stdout and "nothing deleted" in text.stdout


def test_purge_with_yes(rec_env, three):
    a, b, old = three
    done = ivr_cli("recordings", "purge", "--yes", config=rec_env.config)
    assert done.returncode == 0, done.stderr
    assert "deleted 1 recording(s)" in done.stdout
    assert not (rec_env.recordings / old.path).exists()
    assert (rec_env.recordings / a.path).exists() and (rec_env.recordings / b.path).exists()
    assert sorted(r["unique_id"] for r in _json(rec_env, "list")) == sorted([a.unique_id, b.unique_id])
    shown = _json(rec_env, "show", old.unique_id)
    assert shown["deleted_at"] is not None and "was deleted" in shown["problem"]
    audit = _json(rec_env, "audit")
    assert [(e["action"], e["unique_id"], e["actor"]) for e in audit] == [("delete", old.unique_id, ACTOR)]
    assert "retention" in audit[0]["detail"]
    assert _json(rec_env, "purge", "--yes")["recordings"] == []   # nothing left to purge
    export = ivr_cli("recordings", "export", old.unique_id, "-o", "/tmp/never.wav", config=rec_env.config)
    assert export.returncode == 1 and "was deleted" in export.stderr


def _calls_for(rec_env, rows):
    """Call rows (hotline, client, recording policy) for recordings already stored."""
    from sqlalchemy.orm import Session
    from ivr.store.models import Call
    with Session(rec_env.engine) as s, s.begin():
        for rec, hotline, client, policy in rows:
            s.add(Call(unique_id=rec.unique_id, caller_id=rec.caller_id, started_at=rec.started_at,
                       hotline=hotline, client=client, recording_policy=policy, outcome="queue:support"))


def test_list_by_policy_and_hotline(rec_env, three):
    a, b, old = three
    # old: a call from before hotlines, no policy stored: it was asked, so it is explicit
    _calls_for(rec_env, [(a, "telecom", "acme", "explicit"), (b, "energia", "pannon", "announced"),
                         (old, "default", "", "")])
    rec_env.config.write_text(rec_env.config.read_text() + (
        "menu: {entry: main, nodes: {main: {type: hangup}}}\n"
        "hotlines:\n"
        "  telecom: {numbers: ['0800123456'], client: acme}\n"
        "  energia: {numbers: ['_0680XXXXXX'], client: pannon, recording: announced}\n"))
    ids = lambda rows: sorted(r["unique_id"] for r in rows)  # noqa: E731
    announced = _json(rec_env, "list", "--policy", "announced")
    assert ids(announced) == [b.unique_id]
    assert (announced[0]["hotline"], announced[0]["recording_policy"]) == ("energia", "announced")
    assert ids(_json(rec_env, "list", "--policy", "explicit")) == sorted([a.unique_id, old.unique_id])
    assert _json(rec_env, "list", "--policy", "never") == []
    assert ids(_json(rec_env, "list", "--hotline", "telecom")) == [a.unique_id]
    assert ids(_json(rec_env, "list", "--client", "pannon", "--policy", "announced")) == [b.unique_id]
    assert _json(rec_env, "list", "--hotline", "telecom", "--policy", "announced") == []
    table = ivr_cli("recordings", "list", "--policy", "announced", config=rec_env.config)
    assert table.returncode == 0
    [header, line] = table.stdout.splitlines()
    assert "HOTLINE" in header and "POLICY" in header
    assert "energia" in line.split() and "announced" in line.split()
    unknown = ivr_cli("recordings", "list", "--hotline", "telekom", config=rec_env.config)
    assert unknown.returncode == 1 and "no hotline 'telekom' (hotlines: default, energia, telecom)" in unknown.stderr


def test_policy_and_hotline_usage(rec_env):
    bad = ivr_cli("recordings", "list", "--policy", "implied", config=rec_env.config)
    assert bad.returncode == 2 and "invalid choice: 'implied'" in bad.stderr
    show = ivr_cli("recordings", "show", "1", "--policy", "never", config=rec_env.config)
    assert show.returncode == 2 and "--policy, --hotline and --client apply to list" in show.stderr
    none = ivr_cli("recordings", "list", "--hotline", "telecom", config=rec_env.config)
    assert none.returncode == 1 and "no hotline 'telecom' (hotlines: none in the config)" in none.stderr
