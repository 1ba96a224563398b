"""`ivr say LANG KIND VALUE`: what a caller would hear, as words or prompt names."""

from __future__ import annotations

from . import KINDS, fragments, words


def add_say_parser(subparsers):
    s = subparsers.add_parser("say", help="speak a value: the words or the prompt fragments")
    s.add_argument("lang", help="language: en, pl, hu, lt")
    s.add_argument("kind", choices=KINDS)
    s.add_argument("value", help='e.g. 1234.56, "12.50 EUR", 2026-12-05, "5 minutes"')
    s.add_argument("--currency", default=None, help="currency code for money (default per language)")
    s.add_argument("--noun", default=None, help="noun for count: second, minute, hour, day, week, month")
    s.add_argument("--fragments", action="store_true", help="print one prompt name per line")
    s.set_defaults(func=cmd_say)
    return s


def cmd_say(args) -> int:
    if args.fragments:
        print("\n".join(fragments(args.lang, args.kind, args.value, args.currency, args.noun)))
    else:
        print(" ".join(words(args.lang, args.kind, args.value, args.currency, args.noun)))
    return 0
