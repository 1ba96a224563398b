"""`ivr say`: the parser and the command, without the rest of the CLI."""

import argparse

import pytest

from ivr.cli_support import run
from ivr.speech.command import add_say_parser, cmd_say


def parse(argv):
    parser = argparse.ArgumentParser(prog="ivr")
    add_say_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["say", *argv])


def test_words_on_one_line(capsys):
    args = parse(["pl", "money", "22.05", "--currency", "PLN"])
    assert args.func is cmd_say
    assert cmd_say(args) == 0
    assert capsys.readouterr().out == "dwadzieścia dwa złote pięć groszy\n"


def test_fragments_one_per_line(capsys):
    assert cmd_say(parse(["lt", "count", "21", "--noun", "minute", "--fragments"])) == 0
    assert capsys.readouterr().out == "say/dvidešimt\nsay/viena\nsay/minutė\n"


def test_error_goes_to_stderr_with_status_1(capsys):
    assert run(parse(["pl", "money", "12,3x"])) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "ivr say: error: pl money: '12,3x' is not an amount\n"


def test_unknown_kind_is_a_usage_error():
    with pytest.raises(SystemExit) as exc:
        parse(["pl", "time", "12:00"])
    assert exc.value.code == 2
