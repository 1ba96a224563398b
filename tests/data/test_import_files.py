"""`ivr data load` with what spreadsheets in Poland, Hungary and Lithuania
export (issue 10, "Data imports"): each example with its right value, on
SQLite and PostgreSQL where it writes; nothing is written on any error and
no traceback is ever shown."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ivr.data.load import check_file
from ivr.store.db import open_engine
from ivr.store.models import Account, Tariff
from support import ROOT, ivr_cli

NOT_UTF8 = "not UTF-8 text (save as CSV UTF-8)"
ACCOUNTS_PL = "number;pin;name;balance;currency;due_date\n10003;2468;Ewa Przykładowa;12,50;PLN;2026-12-15\n"


def _load(url, *args):
    res = ivr_cli("data", "load", *map(str, args), config=ROOT / "config.yaml", env={"IVR_DATABASE_URL": url})
    assert "Traceback" not in res.stderr, res.stderr
    return res


def _accounts(url):
    with Session(open_engine(url)) as s:
        return {a.number: a for a in s.scalars(select(Account))}


def _tariffs(url):
    with Session(open_engine(url)) as s:
        return [(t.name, t.price, t.currency) for t in s.scalars(select(Tariff).order_by(Tariff.name))]


# ---- encodings and bytes

def test_a_bom_from_excel_csv_utf8_is_not_part_of_the_first_field(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_bytes("\ufeffnumber,pin,currency,name\n10003,2468,PLN,Ewa\n".encode("utf-8"))
    res = _load(db_url, f)
    assert res.returncode == 0, res.stderr
    assert _accounts(db_url)["10003"].name == "Ewa"


def test_cp1250_is_refused_with_its_line_unless_named(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_bytes(ACCOUNTS_PL.encode("cp1250"))
    res = _load(db_url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == f"{f}:2: {NOT_UTF8}"
    assert "nothing was written" in res.stderr
    assert _accounts(db_url) == {}
    res = _load(db_url, f, "--encoding", "cp1250")
    assert res.returncode == 0, res.stderr
    a = _accounts(db_url)["10003"]
    assert (a.name, a.balance) == ("Ewa Przykładowa", Decimal("12.50"))


@pytest.mark.parametrize("name, data, line", [
    ("accounts.csv", bytes(range(256)) * 4, 1),                                  # any binary
    ("accounts.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5U0#\xf4", 1),  # an .xlsx renamed
    ("accounts.csv", b"number,pin,currency\n10003,2468,PLN\n10004,24\xff\xfe68,PLN\n", 3),
    ("data.yaml", b"accounts:\n  - {number: '1', pin: '1234', currency: PLN, name: \xb3\xf3d\xbc}\n", 2),
])
def test_binary_and_invalid_utf8_are_refused_with_their_line(tmp_path, name, data, line):
    f = tmp_path / name
    f.write_bytes(data)
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    res = _load(url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == f"{f}:{line}: {NOT_UTF8}"
    assert _accounts(url) == {}


@pytest.mark.parametrize("name, data, line", [
    ("accounts.csv", b"number,pin,currency,name\n10003,2468,PLN,Ewa\n10004,1357,PLN,Ew\x00a\n", 3),
    ("data.yaml", b"accounts:\n  - {number: '1', pin: '1234', currency: PLN, name: \"a\\0\"}\n"
                  b"  - {number: '2', pin: '1234', currency: PLN, name: 'a\x00'}\n", 3),
])
def test_a_nul_byte_is_refused_on_both_databases(db_url, tmp_path, name, data, line):
    f = tmp_path / name
    f.write_bytes(data)
    res = _load(db_url, f)
    assert res.returncode == 1
    assert f"{f}:{line}: {NOT_UTF8}" in res.stderr.splitlines()
    assert _accounts(db_url) == {}


def test_a_wrong_codec_or_delimiter_is_a_usage_error(tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number,pin,currency\n")
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    for args in (["--encoding", "cp9999"], ["--encoding", "rot13"], ["--delimiter", ";;"], ["--delimiter", "a"]):
        res = _load(url, f, *args)
        assert res.returncode == 2, args
        assert res.stderr.startswith("ivr data: error: --"), res.stderr


# ---- dialect

def test_semicolons_and_decimal_commas_as_excel_writes_them_in_poland(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text(ACCOUNTS_PL, encoding="utf-8")
    res = _load(db_url, f)
    assert res.returncode == 0, res.stderr
    a = _accounts(db_url)["10003"]
    assert (a.name, a.balance, str(a.due_date)) == ("Ewa Przykładowa", Decimal("12.50"), "2026-12-15")


def test_a_named_delimiter_wins_and_tabs_work(db_url, tmp_path):
    f = tmp_path / "tariffs.csv"
    f.write_text("name\tprice\tcurrency\tvalid_from\nNet 5\t5 000\tHUF\t2026-01-01\nPlus\t1 250,50\tPLN\t2026-01-01\n")
    res = _load(db_url, f, "--delimiter", "tab")
    assert res.returncode == 0, res.stderr
    assert _tariffs(db_url) == [("Net 5", Decimal("5000.00"), "HUF"), ("Plus", Decimal("1250.50"), "PLN")]


def test_rows_with_more_or_fewer_fields_than_the_header_are_named(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number;pin;name;balance;currency\n"
                 "10001;1234;Anna;1,00;PLN\n"
                 "10002;4321;Jan;5,00\n"                    # line 3: one short
                 "10003;2468;Ewa;Nowak;12,50;PLN\n")         # line 4: a ';' in a name, unquoted
    res = _load(db_url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[:2] == [
        f"{f}:3: 4 fields where the header (line 1) has 5: a delimiter inside an unquoted value, or a missing one?",
        f"{f}:4: 6 fields where the header (line 1) has 5: a delimiter inside an unquoted value, or a missing one?",
    ]
    assert _accounts(db_url) == {}


# ---- values that change on the way in

def test_more_decimals_than_the_currency_has_are_refused(db_url, tmp_path):
    f = tmp_path / "tariffs.csv"
    f.write_text('name,price,currency,valid_from\n'
                 'Basic,0.125,PLN,2026-01-01\n'
                 'Net,"1,000",HUF,2026-01-01\n'
                 'Max,12.50,HUF,2026-01-01\n'
                 'Plus,"1.000",EUR,2026-01-01\n'
                 'Ok,"1,25",EUR,2026-01-01\n')
    res = _load(db_url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[:4] == [
        f"{f}:2: price: '0.125' has more decimals than PLN allows (2, ISO 4217)",
        f"{f}:3: price: '1,000' is ambiguous: ',' as a thousands separator or as the decimal mark? "
        "write it without thousands separators (1000)",
        f"{f}:4: price: '12.50' has more decimals than HUF allows (whole forints: the fillér was withdrawn in 1999)",
        f"{f}:5: price: '1.000' is ambiguous: '.' as a thousands separator or as the decimal mark? "
        "write it without thousands separators (1000)",
    ]
    assert _tariffs(db_url) == []


def test_right_amounts_are_exact(db_url, tmp_path):
    f = tmp_path / "tariffs.csv"
    f.write_text('name;price;currency;valid_from\nA;1000;HUF;2026-01-01\nB;"1 000";HUF;2026-01-01\n'
                 'C;1.000,50;PLN;2026-01-01\nD;0,10;EUR;2026-01-01\nE;12,5000;PLN;2026-01-01\n')
    assert _load(db_url, f).returncode == 0
    assert [p for _, p, _ in _tariffs(db_url)] == [Decimal(x) for x in ("1000", "1000", "1000.50", "0.10", "12.50")]


def test_yaml_values_that_are_not_what_they_look_like(tmp_path):
    f = tmp_path / "data.yaml"
    f.write_text("accounts:\n"
                 "  - {number: '1', pin: '1234', currency: PLN, name: NO}\n"
                 "  - {number: '2', pin: '1234', currency: PLN, name: on, language: no}\n"
                 "tariffs:\n"
                 "  - {name: Basic, price: 5.10, currency: PLN, valid_from: 2026-01-01}\n"
                 "  - {name: Plus, price: '5.10', currency: PLN, valid_from: 2026-01-01}\n")
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    res = _load(url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[:4] == [
        f"{f}:2: name: must be text in quotes: YAML reads unquoted NO as the boolean false; quote it",
        f"{f}:3: name: must be text in quotes: YAML reads unquoted on as the boolean true; quote it",
        f"{f}:3: language: must be text in quotes: YAML reads unquoted no as the boolean false; quote it",
        f"{f}:5: price: must be a quoted amount like '12.50': YAML reads unquoted 5.10 as the number 5.1; quote it",
    ]
    assert _accounts(url) == {} and _tariffs(url) == []


# ---- duplicates

def test_a_key_twice_in_one_file_names_both_lines(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number,pin,currency,caller_ids\n10003,2468,PLN,48600100200\n10004,1357,PLN,\n"
                 "10003,1111,PLN,\n10005,1234,PLN,48600100200\n")
    res = _load(db_url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[:2] == [
        f"{f}:4: number: account 10003 is already on line 2",
        f"{f}:5: caller_ids: 48600100200 also belongs to the account on line 2",
    ]
    t = tmp_path / "data.yaml"
    t.write_text("tariffs:\n"
                 "  - {name: Basic, price: '29.00', currency: PLN, valid_from: 2026-01-01}\n"
                 "  - {name: Basic, price: '31.00', currency: PLN, valid_from: 2026-06-01}\n"
                 "  - {name: Basic, price: '35.00', currency: PLN, valid_from: 2026-01-01}\n")
    res = _load(db_url, t)
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == f"{t}:4: valid_from: tariff Basic from 2026-01-01 is already on line 2"
    assert _accounts(db_url) == {} and _tariffs(db_url) == []


def test_problems_are_capped_with_a_count_and_nothing_is_written(tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number,pin,currency\n" + "".join(f"{10000 + i},12,PLN\n" for i in range(250)))
    url = f"sqlite:///{tmp_path / 'ivr.db'}"
    res = _load(url, f)
    lines = res.stderr.splitlines()
    assert res.returncode == 1 and len(lines) == 102
    assert lines[0] == f"{f}:2: pin: a PIN has 4 to 8 digits"
    assert lines[-2:] == ["... and 150 more", f"ivr data: error: 250 problem(s) in {f}; nothing was written"]


def test_a_new_account_needs_a_pin_but_an_update_does_not(db_url, tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number,pin,currency,balance\n10003,2468,PLN,1.00\n")
    assert _load(db_url, f).returncode == 0
    f.write_text("number,currency,balance\n10003,PLN,2.00\n10009,PLN,3.00\n")
    res = _load(db_url, f)
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == f"{f}:3: pin: missing: a new account needs a PIN"
    assert _accounts(db_url)["10003"].balance == Decimal("1.00")
    f.write_text("number,currency,balance\n10003,PLN,2.00\n")
    assert _load(db_url, f).returncode == 0
    assert _accounts(db_url)["10003"].balance == Decimal("2.00")


def test_check_file_keeps_the_old_interface(tmp_path):
    f = tmp_path / "accounts.csv"
    f.write_text("number;pin;currency;balance\n1;1234;PLN;1,50\n")
    loaded = check_file(f)
    assert loaded.problems == [] and loaded.accounts[0]["balance"] == Decimal("1.50")
