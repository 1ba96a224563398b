"""The one queues.conf parser: queue names (for validate) and wrap-up times (for the consumer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.queues.conf import parse_queues_conf, queue_names, read_queues_conf, wrapup_times

ROOT = Path(__file__).resolve().parents[2]

TEXT = """\
[general]
persistentmembers = no
wrapuptime = 3          ; the default for every queue

[tmpl](!)               ; a template, not a queue
strategy = ringall
wrapuptime = 7

[support]
wrapuptime => 0
member => Local/agent1@ivr-agents/n

[sales](tmpl)
maxlen = 10

[ vip ] (tmpl)
wrapuptime = 2.5

[plain]
; nothing set: [general]'s wrap-up
"""


def test_queues_templates_and_general():
    queues = parse_queues_conf(TEXT)
    assert list(queues) == ["support", "sales", "vip", "plain"]
    assert {n: q.wrapuptime for n, q in queues.items()} == {"support": 0.0, "sales": 7.0, "vip": 2.5, "plain": 3.0}
    assert queues["sales"].settings == {"strategy": "ringall", "wrapuptime": "7", "maxlen": "10"}
    assert queues["support"].line == 9


def test_helpers_read_the_file(tmp_path):
    conf = tmp_path / "queues.conf"
    conf.write_text(TEXT)
    assert queue_names(conf) == {"support", "sales", "vip", "plain"}
    assert wrapup_times(conf)["sales"] == 7.0


def test_a_missing_file():
    missing = Path("/nonexistent/queues.conf")
    assert wrapup_times(missing) == {}          # the consumer folds with no wrap-up
    with pytest.raises(OSError):               # validate warns that names were not checked
        queue_names(missing)


def test_the_shipped_queues_conf():
    queues = read_queues_conf(ROOT / "asterisk-conf/queues.conf")
    assert {"support", "sales", "tiny"} <= set(queues)
    assert queues["sales"].wrapuptime == 5.0
    assert queues["support"].wrapuptime == 0.0
