"""`ivr callbacks` usage errors a user meets before any database: a misspelt --queue is named
with the queues queues.conf has (it used to list nothing, exit 0)."""

from __future__ import annotations

from support import ivr_cli


def test_an_unknown_queue_is_a_usage_error_naming_the_known_ones(tmp_path):
    res = ivr_cli("callbacks", "list", "--queue", "suport", env={"IVR_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--queue suport: no such queue in" in res.stderr and "(it has: sales, support, tiny)" in res.stderr


def test_a_known_queue_with_no_requests_lists_none(tmp_path):
    res = ivr_cli("callbacks", "list", "--queue", "tiny", "--format", "json",
                  env={"IVR_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert (res.returncode, res.stdout) == (0, "")
