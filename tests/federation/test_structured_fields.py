"""RFC 8941 parser/serializer: the subset RFC 9421 and RFC 9530 headers use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from federation.structured_fields import (
    InnerList,
    Item,
    ParseError,
    Token,
    parse_dictionary,
    serialize_dictionary,
    serialize_item,
)

PARSED = [
    ("a=1, b=-2", {"a": Item(1), "b": Item(-2)}),
    ("a=1.5, b=-0.25", {"a": Item(Decimal("1.5")), "b": Item(Decimal("-0.25"))}),
    ('a="x \\"y\\" \\\\z"', {"a": Item('x "y" \\z')}),
    ("a=foo/bar:baz, b=*tok", {"a": Item(Token("foo/bar:baz")), "b": Item(Token("*tok"))}),
    ("a=:aGVsbG8=:", {"a": Item(b"hello")}),
    ("a=::", {"a": Item(b"")}),
    ("a=?1, b=?0", {"a": Item(True), "b": Item(False)}),
    ("a, b;x=1", {"a": Item(True), "b": Item(True, {"x": 1})}),
    ("a=1;p;q=?0;r=\"s\"", {"a": Item(1, {"p": True, "q": False, "r": "s"})}),
    ("a=( )", {"a": InnerList(())}),
    (
        'sig1=("@method" "@query-param";name="Pet");created=1;keyid="k"',
        {"sig1": InnerList((Item("@method"), Item("@query-param", {"name": "Pet"})), {"created": 1, "keyid": "k"})},
    ),
    ("  a=1 ,\tb=2  ", {"a": Item(1), "b": Item(2)}),
    ("a=1, a=2", {"a": Item(2)}),
    ("", {}),
    ("a=999999999999999", {"a": Item(999_999_999_999_999)}),
]


@pytest.mark.parametrize(("text", "expected"), PARSED, ids=[text for text, _ in PARSED])
def test_parse_dictionary(text: str, expected: dict) -> None:
    assert parse_dictionary(text) == expected


def test_tokens_and_strings_stay_distinct() -> None:
    token, text = parse_dictionary('a=abc, b="abc"').values()
    assert isinstance(token, Item) and isinstance(token.value, Token)
    assert isinstance(text, Item) and not isinstance(text.value, Token)


INVALID = [
    "a=",
    "A=1",
    "1a=1",
    "a=1,",
    "a=1 b=2",
    'a="unterminated',
    'a="bad \\x escape"',
    'a="tab\tinside"',
    'a="caf\u00e9"',
    "a=:not base64!:",
    "a=:aGVsbG8",
    "a=(1 2",
    "a=(1,2)",
    "a=1234567890123456",
    "a=1.2345",
    "a=1.",
    "a=1234567890123.5",
    "a=?2",
    "a=-",
    "a=@x",
    "a=1;",
    "a=1;B=2",
]


@pytest.mark.parametrize("text", INVALID)
def test_parse_dictionary_rejects(text: str) -> None:
    with pytest.raises(ParseError):
        parse_dictionary(text)


ROUND_TRIP = [
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length")'
    ';created=1618884473;keyid="test-key-rsa-pss"',
    'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
    'sig-b22=("@authority" "content-digest" "@query-param";name="Pet")'
    ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "a=1.5, b=?0, c;x=tok, d=-7",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_serialize_gives_back_canonical_text(text: str) -> None:
    assert serialize_dictionary(parse_dictionary(text)) == text


SERIALIZED = [
    (Item(Decimal("1.0005")), "1.0"),
    (Item(Decimal("-2.5")), "-2.5"),
    (Item(Decimal("3")), "3.0"),
    (Item('say "hi" \\'), '"say \\"hi\\" \\\\"'),
    (Item(Token("application/json")), "application/json"),
    (Item(b"\x00\xff"), ":AP8=:"),
    (Item(True, {"a": True, "b": False}), "?1;a;b=?0"),
]


@pytest.mark.parametrize(("item", "text"), SERIALIZED, ids=[text for _, text in SERIALIZED])
def test_serialize_item(item: Item, text: str) -> None:
    assert serialize_item(item) == text


@pytest.mark.parametrize("value", [10**15, "caf\u00e9", "line\nbreak", Decimal("1000000000000")])
def test_serialize_rejects_values_outside_the_grammar(value: object) -> None:
    with pytest.raises(ValueError):
        serialize_item(Item(value))  # type: ignore[arg-type]
