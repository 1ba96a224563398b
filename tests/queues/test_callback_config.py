"""config.yaml's queues: callbacks: typed per queue, defaults, and each mistake named."""

from __future__ import annotations

import pytest

from ivr.config import CallbackSettings, load_settings
from ivr.errors import ConfigError


def settings(tmp_path, callbacks: str):
    path = tmp_path / "config.yaml"
    path.write_text(f"queues:\n  service_level_s: 20\n  callbacks:\n{callbacks}")
    return load_settings(path)


def test_listed_queues_get_their_settings_over_the_defaults(tmp_path):
    s = settings(tmp_path, "    support: {mode: caller-first, max_attempts: 5, confirm_digit: '2'}\n"
                           "    sales:\n")
    assert s.queues.callbacks == {"support": CallbackSettings(mode="caller-first", max_attempts=5,
                                                              confirm_digit="2"),
                                  "sales": CallbackSettings()}
    assert CallbackSettings().mode == "agent-first" and CallbackSettings().dial == "Local/{number}@ivr-callback-out"
    assert load_settings(tmp_path / "config.yaml").queues.service_level_s == 20


def test_no_callbacks_section_dials_nothing(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("queues:\n  service_level_s: 20\n")
    assert load_settings(path).queues.callbacks == {}


@pytest.mark.parametrize("spec, message", [
    ("{mode: agent}", "queues.callbacks.support: callback mode 'agent': use one of agent-first, caller-first"),
    ("{dial: PJSIP/trunk}", "must contain {number}"),
    ("{max_attempts: 0}", "callback max_attempts: 0 must be a whole number, at least 1"),
    ("{retry_gap_s: -1}", "callback retry_gap_s: -1 must be a number of seconds"),
    ("{confirm_digit: 1}", "callback confirm_digit: 1 must be one quoted key"),
    ("{confirm_digit: '#'}", "# ends Read()"),
    ("{ring: 30}", "queues.callbacks.support: unknown setting 'ring' (known: mode, dial, max_attempts"),
    ("[agent-first]", "queues.callbacks.support: a mapping of settings"),
])
def test_each_mistake_is_named_with_its_queue(tmp_path, spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{")
                       .replace("}", r"\}")):
        settings(tmp_path, f"    support: {spec}\n")


@pytest.mark.parametrize("spec, line, message", [
    ("    support: {mode: callee-first}\n", 6, "queues.callbacks.support: callback mode 'callee-first'"),
    ("    sales:\n    support: {max_attempts: 0}\n", 7, "queues.callbacks.support: callback max_attempts"),
    ("    support: {hours: ofice}\n", 6, "queues.callbacks.support.hours: no hours named 'ofice' under hours: "
                                        "(did you mean 'office'?)"),
])
def test_ivr_validate_names_a_wrong_callback_setting_at_its_line(tmp_path, spec, line, message):
    from ivr.menu.validate import validate_text
    text = (f"menu:\n  entry: bye\n  nodes: {{bye: {{type: hangup}}}}\nqueues:\n  callbacks:\n{spec}"
            "hours:\n  office: {timezone: Europe/Warsaw, weekly: {mon-fri: '08:00-16:00'}}\n")
    errors = [p for p in validate_text(text, "config.yaml", tmp_path, require_prompts=False) if p.severity == "error"]
    assert [(p.line, message in p.message) for p in errors] == [(line, True)], errors


def test_ivr_validate_names_a_callback_queue_queues_conf_lacks(tmp_path):
    from ivr.menu.validate import validate_text
    (tmp_path / "queues.conf").write_text("[support]\nstrategy = ringall\n[sales]\nstrategy = ringall\n")
    text = ("menu:\n  entry: bye\n  nodes: {bye: {type: hangup}}\n"
            "queues:\n  queues_conf: queues.conf\n  callbacks:\n    suport: {mode: agent-first}\n    sales:\n")
    errors = [p for p in validate_text(text, "config.yaml", tmp_path, require_prompts=False) if p.severity == "error"]
    assert [(p.line, p.message) for p in errors] == [
        (7, "queues.callbacks.suport: no queue 'suport' in queues.conf (did you mean 'support'?)")]
