"""`ivr validate`: each case file under cases/ breaks one rule, and the table
below is the complete output for it, line and column included.

Cases find their prompts under cases/prompts/ (empty placeholder files: only
existence is checked) and their queues in cases/asterisk-conf/queues.conf,
both relative to the case file, as for a real config.yaml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import ROOT
from ivr.menu.validate import Problem, validate_file, validate_text

CASES = Path(__file__).parent / "cases"
DTMF_RULE = 'must be a quoted string of DTMF digits [0-9*#]'

EXPECTED: dict[str, list[str]] = {
    "clean.yaml": [],
    "yaml_syntax.yaml": [
        "cases/yaml_syntax.yaml:6:35: error: YAML syntax error: expected ',' or '}', but got ']' "
        "(while parsing a flow mapping started on line 6)",
    ],
    "duplicate_key.yaml": [
        "cases/duplicate_key.yaml:8:9: error: menu.nodes.main.options: duplicate key '1' (first on line 7); "
        "YAML keeps only the last",
        "cases/duplicate_key.yaml:10:7: error: menu.nodes.main: duplicate key on_failure (first on line 9); "
        "YAML keeps only the last",
        "cases/duplicate_key.yaml:13:5: error: menu.nodes: duplicate key info (first on line 11); "
        "YAML keeps only the last",
    ],
    "unknown_key.yaml": [
        "cases/unknown_key.yaml:6:7: error: menu.nodes.main: unknown key 'promt' (did you mean 'prompt'?)",
        "cases/unknown_key.yaml:9:7: error: menu.nodes.main: unknown key 'colour' (allowed: type, prompt, next, "
        "on_failure, options, timeout, inter_digit_timeout, retries, invalid, no_input, terminators)",
        "cases/unknown_key.yaml:11:1: error: top level: unknown key 'hour' (did you mean 'hours'?)",
    ],
    "unknown_type.yaml": [
        "cases/unknown_type.yaml:5:13: error: menu.nodes.main.type: unknown type 'meun' (did you mean 'menu'?)",
        "cases/unknown_type.yaml:7:5: error: menu.nodes.untyped: no type "
        "(one of menu, play, identify, consent, callback, queue, hours, language, hangup, goto, survey)",
        "cases/unknown_type.yaml:7:5: warning: menu.nodes.untyped: unreachable from the entry node 'main'",
    ],
    "bad_timeout.yaml": [
        "cases/bad_timeout.yaml:7:16: error: menu.nodes.main.timeout: must be a number of seconds, not 'five'",
        "cases/bad_timeout.yaml:8:28: error: menu.nodes.main.inter_digit_timeout: 0 s is out of range "
        "(more than 0, at most 60)",
        "cases/bad_timeout.yaml:10:66: error: menu.nodes.consent.timeout: 61 s is out of range "
        "(more than 0, at most 60)",
    ],
    "retries_range.yaml": [
        "cases/retries_range.yaml:7:16: error: menu.nodes.main.retries: 0 is out of range (1..10)",
        "cases/retries_range.yaml:12:16: error: menu.nodes.sub.retries: 11 is out of range (1..10)",
        "cases/retries_range.yaml:17:16: error: menu.nodes.other.retries: must be a whole number, not '2.5'",
    ],
    "dtmf_01.yaml": [
        f"cases/dtmf_01.yaml:8:9: error: menu.nodes.main.options: key 01 {DTMF_RULE}: "
        'YAML reads unquoted 01 as the number 1; write "01"',
    ],
    "dtmf_octal.yaml": [
        f"cases/dtmf_octal.yaml:8:9: error: menu.nodes.main.options: key 010 {DTMF_RULE}: "
        'YAML reads unquoted 010 as the number 8; write "010"',
    ],
    "dtmf_no.yaml": [
        f'cases/dtmf_no.yaml:6:27: error: menu.nodes.main.options: key no {DTMF_RULE}, e.g. "1" '
        "(YAML reads unquoted no as the boolean false)",
        f'cases/dtmf_no.yaml:6:36: error: menu.nodes.main.options: key 1.5 {DTMF_RULE}, e.g. "1" '
        "(YAML reads unquoted 1.5 as the number 1.5)",
    ],
    "dtmf_hash.yaml": [
        'cases/dtmf_hash.yaml:8:9: error: menu.nodes.main.options: unquoted # starts a YAML comment; write "#"',
        'cases/dtmf_hash.yaml:12:15: error: menu.nodes.consent.accept: unquoted # starts a YAML comment; write "#"',
    ],
    "dtmf_letters.yaml": [
        'cases/dtmf_letters.yaml:6:27: error: menu.nodes.main.options: key "1a" is not DTMF digits: '
        "use only 0-9, * and #",
        'cases/dtmf_letters.yaml:6:38: error: menu.nodes.main.options: key "" is not DTMF digits: '
        "use only 0-9, * and #",
    ],
    "undefined_target.yaml": [
        'cases/undefined_target.yaml:6:22: error: menu.nodes.main.options["1"]: no node named \'tarifs\' '
        "(did you mean 'tariffs'?)",
        "cases/undefined_target.yaml:7:19: error: menu.nodes.main.on_failure: no node named 'operater'",
        "cases/undefined_target.yaml:8:5: warning: menu.nodes.tariffs: unreachable from the entry node 'main'",
    ],
    "undefined_entry.yaml": [
        "cases/undefined_entry.yaml:2:10: error: menu.entry: no node named 'mian' (did you mean 'main'?)",
    ],
    "unreachable.yaml": [
        "cases/unreachable.yaml:8:5: warning: menu.nodes.orphan: unreachable from the entry node 'main'",
    ],
    "loop.yaml": [
        "cases/loop.yaml:8:5: error: menu.nodes.ping: the caller can never leave ping, pong: "
        "no path from them reaches a hangup or queue node",
    ],
    "menu_no_failure.yaml": [
        "cases/menu_no_failure.yaml:4:5: warning: menu.nodes.main: after 2 retries the call is hung up; "
        "set on_failure",
        "cases/menu_no_failure.yaml:8:5: warning: menu.nodes.info: no next: the call is hung up after this "
        "play node; set next (or go to a hangup node)",
    ],
    "missing_prompt.yaml": [
        "cases/missing_prompt.yaml:10:17: error: menu.nodes.main.no_input: prompt 'no-input' is missing in "
        "language en (expected prompts/en/no-input.wav)",
        "cases/missing_prompt.yaml:10:17: error: menu.nodes.main.no_input: prompt 'no-input' is missing in "
        "language pl (expected prompts/pl/no-input.wav)",
        "cases/missing_prompt.yaml:12:33: error: menu.nodes.bye.prompt: prompt 'goodbye' is missing in "
        "language pl (expected prompts/pl/goodbye.wav)",
    ],
    "undefined_queue.yaml": [
        "cases/undefined_queue.yaml:8:36: error: menu.nodes.operator.queue: no queue 'suport' in "
        "asterisk-conf/queues.conf (did you mean 'support'?)",
        "cases/undefined_queue.yaml:8:51: error: menu.nodes.operator.hours: no hours named 'ofice' under hours: "
        "(did you mean 'office'?)",
        # [sales](!) is a template, not a queue
        "cases/undefined_queue.yaml:9:33: error: menu.nodes.sales.queue: no queue 'sales' in "
        "asterisk-conf/queues.conf",
    ],
    "bad_timezone.yaml": [
        "cases/bad_timezone.yaml:8:15: error: hours.office.timezone: unknown time zone 'Europe/Warsow' "
        "(e.g. Europe/Warsaw)",
    ],
    "bad_weekly.yaml": [
        "cases/bad_weekly.yaml:10:16: error: hours.office.weekly.mon-fri: bad interval '08:00-2000' "
        "(use HH:MM-HH:MM)",
        "cases/bad_weekly.yaml:11:28: error: hours.office.weekly.sat: interval '15:00-14:00' ends before it starts",
        "cases/bad_weekly.yaml:12:7: error: hours.office.weekly: unknown day range 'sun-hol' (use mon..sun)",
    ],
    "bad_holiday.yaml": [
        "cases/bad_holiday.yaml:11:9: error: hours.office.holidays: bad date '2026-02-30' (use YYYY-MM-DD)",
        # unquoted, YAML takes it for a timestamp and cannot build it: still reported, not raised
        "cases/bad_holiday.yaml:12:9: error: hours.office.holidays: bad date '2026-02-30' (use YYYY-MM-DD)",
        "cases/bad_holiday.yaml:13:9: error: hours.office.holidays: bad date '25.12.2026' (use YYYY-MM-DD)",
    ],
    "bad_retention.yaml": [
        "cases/bad_retention.yaml:3:19: error: recordings.retention_days: -1 is out of range (at least 1)",
    ],
    # Every say kind is one the speech rules or the data speak; every account.* field one an account answers.
    "say_kind.yaml": [
        "cases/say_kind.yaml:9:31: error: menu.nodes.main.prompt.say: unknown kind 'mony' (did you mean 'money'?)",
        "cases/say_kind.yaml:9:68: error: menu.nodes.main.prompt.say: unknown kind 'tarifs' (did you mean 'tariffs'?)",
        "cases/say_kind.yaml:15:16: error: menu.nodes.more.prompt.say: unknown kind 'dat' (did you mean 'date'?)",
    ],
    "say_value.yaml": [
        "cases/say_value.yaml:9:45: error: menu.nodes.main.prompt.value: 'account.balanse' is no value a call can "
        "say (did you mean 'account.balance'?)",
        "cases/say_value.yaml:9:82: error: menu.nodes.main.prompt.value: 'acount.due_date' is no value a call can "
        "say (did you mean 'account.due_date'?)",
        "cases/say_value.yaml:14:32: error: menu.nodes.more.prompt.value: 'account.numbr' is no value a call can "
        "say (did you mean 'account.number'?)",
        "cases/say_value.yaml:15:31: error: menu.nodes.more.prompt.value: 'tariff.price' is no value a call can "
        "say (allowed: account.number, account.balance, account.due_date)",
        "cases/say_value.yaml:16:32: error: menu.nodes.more.prompt.value: cannot be spoken: en number: '12x' is "
        "not a whole number",
        "cases/say_value.yaml:18:12: error: menu.nodes.more.prompt: say money needs a value: account.FIELD "
        "(number, balance, due_date) or a literal",
        "cases/say_value.yaml:19:26: warning: menu.nodes.more.prompt.value: say tariffs speaks the data itself; "
        "value is ignored",
    ],
    "language_option.yaml": [
        "cases/language_option.yaml:5:61: error: menu.nodes.main.options[\"3\"]: 'de' is not in "
        "menu.languages (en, pl)",
    ],
}


def check(name: str) -> list[str]:
    return [p.format() for p in validate_text((CASES / name).read_text(), f"cases/{name}", CASES)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_output_is_exactly_the_expected_lines(name):
    assert check(name) == EXPECTED[name]


def test_every_case_file_is_in_the_table():
    assert sorted(p.name for p in CASES.glob("*.yaml")) == sorted(EXPECTED)


def test_problem_format_and_file_entry_point():
    problems = validate_file(CASES / "dtmf_octal.yaml")
    assert problems == [Problem(str(CASES / "dtmf_octal.yaml"), 8, 9, "error", problems[0].message)]
    assert problems[0].format().startswith(f"{CASES / 'dtmf_octal.yaml'}:8:9: error: ")
    missing = validate_file(CASES / "no-such.yaml")
    assert [(p.line, p.severity) for p in missing] == [(1, "error")] and "cannot read" in missing[0].message


def test_sample_config_validates_without_errors():
    problems = validate_file(ROOT / "config.yaml")
    assert [p.format() for p in problems if p.severity == "error"] == []


def text_of(nodes: str, extra: str = "") -> str:
    return f"menu:\n  entry: main\n  nodes:\n{nodes}{extra}"


def test_flow_mapping_with_unquoted_hash_names_the_hash():
    # The # comments out the rest of the line, so the flow mapping never closes.
    text = text_of('    main: {type: menu, options: {"1": bye, #: bye}, on_failure: bye}\n    bye: {type: hangup}\n')
    lines = [p.format() for p in validate_text(text, "c.yaml", CASES)]
    assert lines[0] == 'c.yaml:4:44: error: unquoted # starts a YAML comment; write "#"'
    assert lines[1].startswith("c.yaml:6:1: error: YAML syntax error: expected ',' or '}'")
    assert len(lines) == 2


def test_flow_mapping_closed_on_the_next_line_still_catches_the_hash():
    text = text_of('    main:\n      type: menu\n      options: {"1": bye, #: bye\n        }\n'
                   '      on_failure: bye\n    bye: {type: hangup}\n')
    assert [p.format() for p in validate_text(text, "c.yaml", CASES)] == [
        'c.yaml:6:27: error: menu.nodes.main.options: unquoted # starts a YAML comment; write "#"']


def test_unquoted_star_is_a_syntax_error_with_a_hint():
    text = text_of('    main:\n      type: menu\n      options:\n        *: bye\n')
    [problem] = validate_text(text, "c.yaml", CASES)
    assert (problem.line, problem.col, problem.severity) == (7, 10, "error")
    assert problem.message.endswith('an unquoted * starts a YAML alias: write "*"')


def test_missing_queues_conf_warns_once(tmp_path):
    text = text_of("    main: {type: menu, options: {\"1\": a, \"2\": b}, on_failure: bye}\n"
                   "    a: {type: queue, queue: support}\n    b: {type: queue, queue: other}\n"
                   "    bye: {type: hangup}\n")
    assert [p.format() for p in validate_text(text, "c.yaml", tmp_path)] == [
        "c.yaml:5:29: warning: menu.nodes.a.queue: queue names not checked: asterisk-conf/queues.conf not found"]


def test_queues_conf_location_comes_from_the_config(tmp_path):
    (tmp_path / "q.conf").write_text("[general]\n[support] ; the one queue\n")
    text = "queues: {queues_conf: q.conf}\n" + text_of(
        "    main: {type: queue, queue: sales}\n")
    assert [p.format() for p in validate_text(text, "c.yaml", tmp_path)] == [
        "c.yaml:5:32: error: menu.nodes.main.queue: no queue 'sales' in q.conf"]


def test_anchors_and_merge_keys_are_read_like_pyyaml():
    # sub takes type, retries and on_failure from main and overrides options: no unknown keys, no loop.
    text = text_of(
        '    main: &main {type: menu, retries: 2, on_failure: bye, options: {"1": sub}}\n'
        '    sub:\n      <<: *main\n      options: {"1": bye, "2": main}\n'
        "    bye: {type: hangup}\n")
    assert validate_text(text, "c.yaml", CASES) == []


def test_a_recursive_alias_does_not_hang():
    # A structure that contains itself is refused while composing (ivr/yamlguard.py): nothing
    # downstream (merge keys, json.dumps of the menu's version) has to cope with it.
    text = text_of("    main: &loop {type: hangup, prompt: [*loop]}\n")
    assert [p.format() for p in validate_text(text, "c.yaml", CASES)] == [
        "c.yaml:4:41: error: alias *loop is inside the node it names: a structure that contains itself has no end",
    ]


def test_every_problem_is_reported_in_one_run():
    text = ("hour: {}\n" + text_of(
        "    main:\n      type: menu\n      options: {01: bye, \"1a\": nowhere}\n"
        "      timeout: 0\n      retries: 99\n"
        "    bye: {type: hangup, prompt: no-such-prompt}\n"))
    lines = [p.format() for p in validate_text(text, "c.yaml", CASES)]
    assert [line.split(": ", 2)[0] for line in lines] == [
        "c.yaml:1:1", "c.yaml:5:5", "c.yaml:7:17", "c.yaml:7:26", "c.yaml:7:32", "c.yaml:8:16", "c.yaml:9:16",
        "c.yaml:10:33"]
    assert "no node named 'nowhere'" in lines[4] and "after 99 retries" in lines[1]


def big_menu(n: int) -> str:
    """n nodes: menus and plays in a chain, every menu can go back, on, or hang up."""
    lines = ["prompts_dir: prompts", "menu:", "  entry: n0", "  languages: [en]", "  nodes:"]
    for i in range(n - 1):
        nxt = f"n{i + 1}" if i + 2 < n else "bye"
        if i % 3 == 2:
            lines.append(f"    n{i}: {{type: play, prompt: welcome, next: {nxt}}}")
        else:
            lines.append(f'    n{i}: {{type: menu, prompt: [welcome], options: {{"1": {nxt}, "2": n0, "*": back}}, '
                         f"on_failure: bye, retries: 2}}")
    lines.append("    bye: {type: hangup, prompt: goodbye}")
    return "\n".join(lines) + "\n"


def test_ten_thousand_nodes_validate_clean():
    text = big_menu(10_000)
    assert text.count("\n    n") == 9_999
    assert validate_text(text, "big.yaml", CASES) == []


def test_ten_thousand_node_trap_is_one_error_without_recursion():
    n = 10_000
    nodes = "".join(f"    n{i}: {{type: goto, next: n{(i + 1) % n}}}\n" for i in range(n))
    text = "menu:\n  entry: n0\n  nodes:\n" + nodes
    [problem] = validate_text(text, "big.yaml", CASES)
    assert (problem.line, problem.col, problem.severity) == (4, 5, "error")
    assert problem.message.startswith("menu.nodes.n0: the caller can never leave n0, n1, n2")
    assert f"and {n - 8} more" in problem.message


def ivr_validate(config: Path) -> subprocess.CompletedProcess:
    ivr = Path(sys.executable).with_name("ivr")
    cmd = [str(ivr)] if ivr.exists() else [sys.executable, "-m", "ivr"]
    return subprocess.run([*cmd, "--config", str(config), "validate"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_ivr_validate_command_exit_status_and_output():
    broken = ivr_validate(CASES.relative_to(ROOT) / "undefined_queue.yaml")
    assert broken.returncode == 1, broken.stderr
    prefix = str(CASES.relative_to(ROOT).parent) + "/"
    assert broken.stdout.splitlines() == [prefix + line for line in EXPECTED["undefined_queue.yaml"]]

    good = ivr_validate(Path("config.yaml"))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "config.yaml: ok" in good.stderr


def test_tabs_and_special_node_names_are_explained():
    [tab] = validate_text("menu:\n\tentry: main\n", "c.yaml", CASES)
    assert tab.format() == ("c.yaml:2:1: error: YAML syntax error: found character '\\t' that cannot start "
                            "any token; indent with spaces, not tabs")
    text = text_of('    main: {type: menu, options: {"1": back, "2": bye}, on_failure: bye}\n'
                   "    back: {type: play, next: main}\n    bye: {type: hangup}\n")
    assert [p.format() for p in validate_text(text, "c.yaml", CASES)] == [
        "c.yaml:5:5: warning: menu.nodes.back: 'back' as a target means the special back, so this node can "
        "never be reached; rename it",
        "c.yaml:5:5: warning: menu.nodes.back: unreachable from the entry node 'main'",
    ]


def test_every_reference_to_a_missing_node_is_reported():
    # 10,000 nodes falling back to a node nobody defined: each reference named at its line
    # (and the did-you-mean is worked out once per missing name, not once per reference).
    n = 10_000
    nodes = "".join(f"    n{i}: {{type: play, next: n{i + 1}, on_failure: gone}}\n" for i in range(n - 1))
    text = "menu:\n  entry: n0\n  nodes:\n" + nodes + "    n9999: {type: hangup}\n"
    problems = [p for p in validate_text(text, "big.yaml", CASES) if "no node named 'gone'" in p.message]
    assert len(problems) == n - 1
    assert problems[0].line == 4 and problems[-1].line == n + 2


# --- what prompts say: the kinds and fields come from the code -------------------------------------

def say_menu(*items: str) -> str:
    prompt = ", ".join(items)
    return text_of(f"    main: {{type: play, prompt: [{prompt}], next: bye}}\n    bye: {{type: hangup}}\n")


def say_problems(*items: str) -> list[str]:
    return [p.format() for p in validate_text(say_menu(*items), "c.yaml", CASES, require_prompts=False)]


def data_kinds_by_running_expand() -> list[str]:
    """The kinds runtime.expand answers with a LoadData, found by running it on every string of
    the module (not by reading expand the way validate does)."""
    import ast
    import inspect

    from ivr.menu import runtime
    from ivr.menu.actions import LoadData
    from ivr.menu.items import Say
    strings = {n.value for n in ast.walk(ast.parse(inspect.getsource(runtime)))
               if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.isidentifier()}
    found = []
    for kind in sorted(strings):
        steps = runtime.expand("n", (Say(kind, ""),), runtime.CallContext(language="en"))
        try:
            if isinstance(next(steps), LoadData):
                found.append(kind)
        except StopIteration:
            pass
    return found


def sample_account():
    """An AccountView with every attribute filled in, whatever fields it gains."""
    import dataclasses
    import typing
    from datetime import date
    from decimal import Decimal

    from ivr.data.lookup import AccountView
    samples = {str: "10003", Decimal: Decimal("12.50"), date: date(2026, 12, 15), int: 1, float: 1.0, bool: True}
    hints = typing.get_type_hints(AccountView)
    values = {}
    for f in dataclasses.fields(AccountView):
        kinds = [t for t in (typing.get_args(hints[f.name]) or (hints[f.name],)) if t is not type(None)]
        values[f.name] = next(samples[t] for t in kinds if t in samples)
    return AccountView(**values)


def test_every_kind_the_code_speaks_is_accepted():
    from ivr.speech import KINDS
    data = data_kinds_by_running_expand()
    assert {"tariffs", "billing_rules"} <= set(data)
    items = [f"{{say: {k}, value: account.number}}" for k in KINDS] + [f"{{say: {k}}}" for k in data]
    assert say_problems(*items) == []
    assert "unknown kind 'shout'" in say_problems("{say: shout, value: account.number}")[0]


def test_every_field_an_account_answers_is_accepted_and_no_other():
    import dataclasses
    account = sample_account()
    answered = [f.name for f in dataclasses.fields(account) if account.value(f.name) is not None]
    assert {"balance", "due_date"} <= set(answered)
    assert say_problems(*[f"{{say: digits, value: account.{f}}}" for f in answered]) == []
    for field in (f.name for f in dataclasses.fields(account) if f.name not in answered):
        [line] = say_problems(f"{{say: digits, value: account.{field}}}")
        assert f"'account.{field}' is no value a call can say" in line


def test_a_kind_or_field_the_code_gains_is_accepted_without_touching_validate(monkeypatch):
    """No list in validate.py to keep in step: a new speech kind, data kind or account field is
    accepted as soon as the speech rules, runtime.expand or AccountView.value have it."""
    import ivr.speech
    from ivr.data.lookup import AccountView
    from ivr.menu import runtime, validate
    from ivr.menu.actions import LoadData
    original_value, original_expand = AccountView.value, runtime.expand

    def value(self, field):
        if field == "email":
            return "ewa@example.com"
        return original_value(self, field)

    def expand(node, items, ctx):
        if items and items[0].kind == "opening_hours":
            return (yield LoadData(node, "opening_hours"))
        return (yield from original_expand(node, items, ctx))

    before = say_problems("{say: percent, value: account.number}", "{say: opening_hours}",
                          "{say: digits, value: account.email}")
    assert len(before) == 3
    monkeypatch.setattr(ivr.speech, "KINDS", (*ivr.speech.KINDS, "percent"))
    monkeypatch.setattr(AccountView, "value", value)
    monkeypatch.setattr(runtime, "expand", expand)
    for cached in (validate.data_kinds, validate.say_kinds, validate.account_fields):
        cached.cache_clear()
    try:
        after = say_problems("{say: opening_hours}", "{say: digits, value: account.email}")
        assert after == []
        assert "percent" in validate.say_kinds()
    finally:
        monkeypatch.undo()
        for cached in (validate.data_kinds, validate.say_kinds, validate.account_fields):
            cached.cache_clear()


# --- YAML that would take the process down --------------------------------------------------------

def timed_problems(text: str) -> tuple[list[str], float]:
    import time
    start = time.monotonic()
    problems = [p.format() for p in validate_text(text, "c.yaml", CASES)]
    return problems, time.monotonic() - start


def test_ten_thousand_brackets_are_nesting_too_deep():
    problems, took = timed_problems("menu: " + "[" * 10_000 + "]" * 10_000 + "\n")
    [line] = problems
    assert line.startswith("c.yaml:1:") and ": error: nesting too deep" in line
    assert took < 5


def test_three_thousand_block_levels_are_nesting_too_deep():
    text = "menu:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(3_000)) + "  " * 3_001 + "x\n"
    problems, took = timed_problems(text)
    # The top level is the first mapping; the 101st starts at line 101 (k99), indented 2 * 100.
    assert problems == ["c.yaml:101:201: error: nesting too deep: more than 100 levels of lists and mappings"]
    assert took < 10


def test_nesting_through_aliases_counts_too():
    text = "deep: &d " + "[" * 60 + "]" * 60 + "\n" + text_of("    main: {type: hangup}\n") + \
        "web: " + "[" * 50 + "*d" + "]" * 50 + "\n"
    [line] = timed_problems(text)[0]
    assert line == "c.yaml:6:56: error: nesting too deep: alias *d nests more than 100 levels of lists and mappings"


def test_a_billion_laughs_is_refused_at_its_alias():
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\n" + text_of("    main: {type: hangup, prompt: [welcome]}\n") + \
        "hours: {office: {timezone: UTC, holidays: *l9}}\n"
    problems, took = timed_problems(text)
    assert problems == ["c.yaml:7:12: error: aliases expand to more than 1,000,000 nodes (at *l5); is this a "
                        "YAML bomb? Write the values out"]
    assert took < 5


def test_merge_key_bomb_is_refused_too():
    # Each mapping merges the one before twice: PyYAML and the validator would expand 2**40 keys.
    text = "a0: &a0 {x: 1}\n" + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], y{i}: 1}}\n"
                                        for i in range(1, 41)) + text_of("    main: {type: hangup}\n")
    [line] = timed_problems(text)[0]
    assert line.startswith("c.yaml:") and "aliases expand to more than 1,000,000 nodes" in line


def test_reused_defaults_are_no_bomb():
    # 2,000 nodes merging one block of defaults: far under the bound.
    nodes = "".join(f'    n{i}: {{<<: *defaults, options: {{"1": n{(i + 1) % 2000}, "2": bye}}}}\n'
                    for i in range(2000))
    text = ("menu:\n  entry: n0\n  nodes:\n"
            "    bye: &defaults {type: menu, retries: 2, on_failure: bye2, options: {\"1\": bye2}}\n"
            "    bye2: {type: hangup}\n" + nodes)
    assert not [p for p in validate_text(text, "c.yaml", CASES) if p.severity == "error"]
