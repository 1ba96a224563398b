"""The hotlines' routes in the dialplan (issue 12, item 6): each number names its hotline and,
where the hotline has its own fallback_queue, where its callers go when no controller serves
them; `ivr asterisk-config` writes them from the config, and the sandbox's dialplan holds the
sample config's. tests/e2e/test_hotline_dialplan.py places the calls."""

from __future__ import annotations

import re

import pytest

from support import E2E_CONFIG, ROOT, ivr_cli
from ivr.errors import ConfigError
from ivr.install.asterisk_config import hotline_routes, split_globals

SAMPLE = ROOT / "config.yaml"
ENV = {"IVR_AMI_SECRET": "ami-secret-of-this-test", "IVR_AGI_SECRET": "agi-token-of-this-test"}


def _section(text: str) -> list[str]:
    """The [ivr-hotlines] context's lines, header to its last extension line."""
    lines = text.splitlines()
    start = lines.index("[ivr-hotlines]")
    out = [lines[start]]
    for line in lines[start + 1:]:
        if not line.startswith(("exten", " same")):
            break
        out.append(line)
    return out


def _routes(lines: list[str]) -> dict[str, dict[str, str]]:
    """number -> the variables its route sets, read from the dialplan text."""
    routes: dict[str, dict[str, str]] = {}
    current = None
    for line in lines[1:]:
        m = re.match(r"exten => ([^,]+),1,(.*)$", line)
        if m:
            current = routes.setdefault(m.group(1), {})
            app = m.group(2)
        else:
            app = line.split(",", 1)[1]
        if app == "Return()" and m and m.group(1) == "_[0-9A-Za-z*#+]!":
            routes.pop(m.group(1))          # the catch-all: every other number, no hotline's
            current = None
        elif app == "Return()":
            current["returns"] = "yes"
        else:
            name, value = re.fullmatch(r"Set\((\w+)=([^)]*)\)", app).groups()
            current[name] = value
    return routes


def test_every_route_ends_with_the_catch_all_for_other_numbers():
    from ivr.install.asterisk_config import ROUTES_CATCH_ALL
    for text in ((ROOT / "dialplans/ivr-inbound.conf").read_text(), hotline_routes(_hotlines(SAMPLE))):
        assert _section(text)[-1] == f"exten => {ROUTES_CATCH_ALL},1,Return()"
    # ivr-inbound checks the characters the catch-all admits before it goes there.
    assert 'GotoIf($["${IVR_CALLED}" : "[0-9A-Za-z*#+][0-9A-Za-z*#+]*$"]?:routed)' in \
        (ROOT / "dialplans/ivr-inbound.conf").read_text()


def _hotlines(config):
    from ivr.menu.loading import load_config
    return load_config(config, require_prompts=False).hotlines


def _generate(tmp_path, config=SAMPLE) -> dict[str, str]:
    res = ivr_cli("asterisk-config", "--out", str(tmp_path / "out"), config=config, env=ENV)
    assert res.returncode == 0, res.stderr
    return {p.name: p.read_text() for p in (tmp_path / "out").iterdir()}


def test_the_sandbox_dialplan_routes_the_sample_configs_numbers(tmp_path):
    """What the sandbox runs is what `ivr asterisk-config` writes for config.yaml: the sample's
    numbers each reach their hotline, energia's callers fall back to sales, telecom's to support."""
    static = _section((ROOT / "dialplans/ivr-inbound.conf").read_text())
    generated = _section(_generate(tmp_path)["ivr-inbound.conf"])
    assert static == generated
    assert _routes(static) == {
        "0800123456": {"IVR_HOTLINE": "telecom", "IVR_FALLBACK_QUEUE": "support", "returns": "yes"},
        "_0801XXXXXX": {"IVR_HOTLINE": "telecom", "IVR_FALLBACK_QUEUE": "support", "returns": "yes"},
        "_0680XXXXXX": {"IVR_HOTLINE": "energia", "IVR_FALLBACK_QUEUE": "sales", "returns": "yes"},
    }


def test_generated_dialplan_has_one_routes_context_from_the_config(tmp_path):
    """The e2e config: only energia lists numbers, and its fallback is support there."""
    files = _generate(tmp_path, E2E_CONFIG)
    dialplan = files["ivr-inbound.conf"]
    assert len(re.findall(r"^\[ivr-hotlines\]", dialplan, re.M)) == 1   # the sample's replaced, not added to
    assert _routes(_section(dialplan)) == {
        "_0680XXXXXX": {"IVR_HOTLINE": "energia", "IVR_FALLBACK_QUEUE": "support", "returns": "yes"}}
    assert "Gosub(ivr-hotlines,${IVR_CALLED},1)" in dialplan
    assert "energia _0680XXXXXX -> support" in files["README.txt"]


def test_a_hotline_without_its_own_fallback_keeps_the_global_default(tmp_path):
    config = tmp_path / "config.yaml"
    text = SAMPLE.read_text().replace("    fallback_queue: support\n", "", 1)
    assert text != SAMPLE.read_text()
    config.write_text(text.replace("var/sandbox/", f"{ROOT}/var/sandbox/") + f"\nprompts_dir: {ROOT}/prompts\n")
    files = _generate(tmp_path, config)
    routes = _routes(_section(files["ivr-inbound.conf"]))
    assert routes["0800123456"] == {"IVR_HOTLINE": "telecom", "returns": "yes"}     # no override
    assert routes["_0680XXXXXX"]["IVR_FALLBACK_QUEUE"] == "sales"
    assert "IVR_FALLBACK_QUEUE = support" in files["ivr-globals.conf"]               # the default it gets
    assert "telecom 0800123456 _0801XXXXXX -> support" in files["README.txt"]


def test_split_globals_leaves_out_what_the_config_writes():
    values, body = split_globals((ROOT / "dialplans/ivr-inbound.conf").read_text())
    assert values["IVR_FALLBACK_QUEUE"] == "support"
    assert re.findall(r"^\[([^\]]+)\]", body, re.M) == ["ivr-inbound", "ivr-doctor"]
    assert "exten => _0680XXXXXX" not in body


def test_a_queue_name_no_dialplan_can_hold_is_refused():
    from ivr.hotlines.load import build_hotlines
    doc = {"hotlines": {"energia": {"numbers": ["_0680XXXXXX"], "fallback_queue": "sales,now",
                                    "menu": {"entry": "bye", "nodes": {"bye": {"type": "hangup"}}}}}}
    hotlines = build_hotlines(doc, "config.yaml", ROOT)
    with pytest.raises(ConfigError, match="'sales,now' cannot be written into a dialplan"):
        hotline_routes(hotlines)
