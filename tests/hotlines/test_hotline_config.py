"""Hotlines in config.yaml: validated file by file with their own PATH:LINE, loaded
through the one load path, routed by number, reloaded one client at a time."""

from __future__ import annotations

import pytest

from support import ROOT
from ivr.controller import Loaded
from ivr.errors import ConfigError
from ivr.menu.loading import load_config
from ivr.menu.validate import validate_file

MAIN = """\
prompts_dir: {root}/prompts
database: {{url: 'sqlite:///{tmp}/ivr.db'}}
state_dir: {tmp}/var
menu:
  entry: main
  languages: [en, pl]
  nodes:
    main: {{type: menu, prompt: [welcome], options: {{"0": operator}}, on_failure: bye}}
    operator: {{type: queue, queue: support}}
    bye: {{type: hangup}}
hotlines:
  telecom:
    numbers: ["0800123456", "_0801XXXXXX"]
    client: example-telecom
    hours: office
  energia:
    numbers: ["_0680XXXXXX"]
    client: pannon-energia
    languages: [hu, en]
    recording: announced
    menu: energia.yaml
hours:
  office: {{timezone: Europe/Warsaw, weekly: {{mon-fri: "08:00-20:00"}}}}
"""

ENERGIA = """\
menu:
  entry: start
  nodes:
    start: {type: menu, prompt: [energia-welcome], options: {"0": notice}, on_failure: bye}
    notice: {type: consent, notice: [recording-notice], next: desk}
    desk: {type: queue, queue: sales, hours: budapest}
    bye: {type: hangup}
hours:
  budapest: {timezone: Europe/Budapest, weekly: {mon-fri: "07:00-19:00"}}
"""


@pytest.fixture
def configs(tmp_path):
    main = tmp_path / "config.yaml"
    main.write_text(MAIN.format(root=ROOT, tmp=tmp_path))
    (tmp_path / "energia.yaml").write_text(ENERGIA)
    return main, tmp_path / "energia.yaml"


def errors(path) -> list[str]:
    return [p.format() for p in validate_file(path) if p.severity == "error"]


def test_two_clients_validate_and_route_by_number(configs):
    main, _ = configs
    assert errors(main) == []
    loaded = load_config(main, require_prompts=False)
    route = loaded.hotlines.route
    assert (route("0800123456").name, route("0801999999").name, route("0680123456").name) == \
        ("telecom", "telecom", "energia")
    assert route("0999").name == "default"                       # numbers nobody lists
    energia = loaded.hotlines.get("energia")
    assert (energia.client, str(energia.recording), energia.menu.languages) == \
        ("pannon-energia", "announced", ("hu", "en"))
    assert energia.menu.timezone == "Europe/Budapest"
    assert loaded.hotlines.get("telecom").menu.timezone == "Europe/Warsaw"


@pytest.mark.parametrize("change, expected", [
    (("_0680XXXXXX", "_0801XXXXXX"), "config.yaml:17:15: error: hotlines.energia.numbers: _0801XXXXXX is also "
                                     "hotline telecom's (line 13)"),
    (("_0680XXXXXX", "_06[8-0]0"), "config.yaml:17:15: error: hotlines.energia.numbers: pattern '_06[8-0]0': "
                                   "range 8-0 runs backwards"),
    (("recording: announced", "recording: recorded"), "config.yaml:20:16: error: hotlines.energia.recording: "
                                                      "'recorded' is not a recording policy"),
    (("menu: energia.yaml", "menu: energy.yaml"), "config.yaml:21:11: error: hotlines.energia.menu: cannot read "
                                                  "energy.yaml"),
    (("client: pannon-energia", "clinet: pannon-energia"), "config.yaml:18:5: error: hotlines.energia: unknown "
                                                           "key 'clinet' (did you mean 'client'?)"),
])
def test_a_wrong_hotline_is_named_at_its_line(configs, change, expected):
    main, _ = configs
    main.write_text(main.read_text().replace(*change))
    assert any(e.startswith(f"{main.parent}/{expected}") for e in errors(main)), errors(main)


def test_an_error_in_a_hotline_file_names_that_file_and_line(configs):
    main, energia = configs
    energia.write_text(ENERGIA.replace('"0": notice', '"0": notise').replace("hours: budapest", "hours: buda"))
    found = errors(main)
    assert f"{energia}:4:67: error: menu.nodes.start.options[\"0\"]: no node named 'notise' (did you mean " \
           f"'notice'?)" in found
    assert any(e.startswith(f"{energia}:6:46: error: menu.nodes.desk.hours: no hours named 'buda'") for e in found)


@pytest.mark.parametrize("text", ["", "# energia: to be written\n"])
def test_an_empty_hotline_file_is_refused_as_serve_would(configs, text):
    main, energia = configs
    energia.write_text(text)
    assert errors(main) == [f"{energia}:1:1: error: hotlines.energia.menu: energia.yaml is empty: a hotline "
                            "file holds a menu: mapping (and may hold hours:)"]
    with pytest.raises(ConfigError):
        load_config(main, require_prompts=False)


def test_announced_recording_needs_a_notice(configs):
    main, energia = configs
    energia.write_text(ENERGIA.replace("notice: [recording-notice], ", ""))
    assert any(e.startswith(f"{energia}:5:5: error: menu.nodes.notice: the hotline's recording is announced")
               for e in errors(main))


def test_a_broken_hotline_file_keeps_its_last_good_version_and_the_others_reload(configs):
    main, energia = configs
    old = load_config(main, require_prompts=False)
    # Both change: telecom's menu in config.yaml, and energia's file breaks.
    main.write_text(main.read_text().replace('options: {"0": operator}', 'options: {"0": operator, "9": bye}'))
    energia.write_text(ENERGIA.replace('"0": notice', '"0": nowhere'))
    kept: dict[str, list[str]] = {}
    new = load_config(main, require_prompts=False, previous=old, kept=kept)
    assert new.hotlines.get("energia") is old.hotlines.get("energia")              # last good version
    assert new.hotlines.get("telecom").menu.version != old.hotlines.get("telecom").menu.version
    assert "9" in new.hotlines.get("telecom").menu.nodes["main"].options
    assert list(kept) == ["energia"] and "no node named 'nowhere'" in kept["energia"][0]
    # A broken config.yaml itself keeps everything.
    main.write_text(main.read_text().replace("entry: main", "entry: mian"))
    with pytest.raises(ConfigError):
        load_config(main, require_prompts=False, previous=new, kept={})


def test_a_loaded_made_from_one_menu_answers_every_number(configs):
    main, _ = configs
    menu = load_config(main, require_prompts=False).menu
    loaded = Loaded(None, menu, None)   # type: ignore[arg-type]
    assert loaded.hotlines.route("0800123456").menu is menu


@pytest.mark.parametrize("old, new, message", [
    ("\n  energia:", "\n  energia tv:", "hotlines.energia tv: a hotline's name is written into the dialplan"),
    ("fallback_queue: sales", "fallback_queue: sales,1", "hotlines.energia.fallback_queue: 'sales,1' is written into the dialplan"),
])
def test_a_name_the_dialplan_cannot_hold_is_refused_at_its_line(tmp_path, old, new, message):
    from ivr.menu.validate import validate_text
    text = (ROOT / "config.yaml").read_text()
    assert old in text
    changed = text.replace(old, new, 1)
    line = changed[:changed.index(new.lstrip("\n"))].count("\n") + 1
    errors = [p for p in validate_text(changed, "config.yaml", ROOT, require_prompts=False) if p.severity == "error"]
    assert len(errors) == 1 and errors[0].line == line and message in errors[0].message, errors
