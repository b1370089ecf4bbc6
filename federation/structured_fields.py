"""RFC 8941 structured fields: the subset HTTP signatures need, parsed and serialized.

Our own because the standard library has none, and because RFC 9421 signs the
*serialization* of what `Signature-Input` says (`@signature-params`): the parse →
serialize round trip has to be exact, so it is kept small and under test here.
Covered: dictionaries, inner lists, items with parameters, and the bare items integer,
decimal, string, token, byte sequence and boolean. Top-level lists are not needed.
"""

from __future__ import annotations

import base64
import binascii
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Union


class ParseError(ValueError):
    """The text is not a valid structured field of the expected type."""


class Token(str):
    """An sf-token; kept apart from an sf-string because the two serialize differently."""


BareItem = Union[int, Decimal, str, Token, bytes, bool]
Params = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: tuple[Item, ...]
    params: Params = field(default_factory=dict)


Member = Union[Item, InnerList]

_KEY_START = frozenset(string.ascii_lowercase + "*")
_KEY_CHARS = _KEY_START | frozenset(string.digits + "_-.")
_TOKEN_START = frozenset(string.ascii_letters + "*")
_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:/")
_BASE64_CHARS = frozenset(string.ascii_letters + string.digits + "+/=")
_DIGITS = frozenset(string.digits)
_MAX_INTEGER = 999_999_999_999_999


def parse_dictionary(text: str) -> dict[str, Member]:
    """Parse an sf-dictionary (RFC 8941 §4.2.2); a repeated key keeps its last value."""
    parser = _Parser(text)
    members: dict[str, Member] = {}
    while not parser.at_end():
        key = parser.key()
        if parser.peek() == "=":
            parser.advance()
            members[key] = parser.member()
        else:
            members[key] = Item(True, parser.params())
        parser.skip_ows()
        if parser.at_end():
            break
        parser.expect(",")
        parser.skip_ows()
        if parser.at_end():
            raise parser.error("trailing comma")
    return members


class _Parser:
    """A cursor over the field text; each method consumes one grammar rule of RFC 8941 §4.2."""

    def __init__(self, text: str) -> None:
        self.text = text.strip(" ")
        self.pos = 0

    def error(self, what: str) -> ParseError:
        return ParseError(f"{what} at character {self.pos}")

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def advance(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def expect(self, char: str) -> None:
        if self.advance() != char:
            self.pos -= 1
            raise self.error(f"expected {char!r}")

    def skip_sp(self) -> None:
        while self.peek() == " ":
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t"):
            self.pos += 1

    def key(self) -> str:
        if self.peek() not in _KEY_START:
            raise self.error("expected a key (lowercase letter or '*')")
        start = self.pos
        while self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start:self.pos]

    def member(self) -> Member:
        return self.inner_list() if self.peek() == "(" else self.item()

    def item(self) -> Item:
        value = self.bare_item()
        return Item(value, self.params())

    def inner_list(self) -> InnerList:
        self.expect("(")
        items: list[Item] = []
        while not self.at_end():
            self.skip_sp()
            if self.peek() == ")":
                self.advance()
                return InnerList(tuple(items), self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise self.error("expected a space or ')' after an inner-list item")
        raise self.error("unterminated inner list")

    def params(self) -> Params:
        params: Params = {}
        while self.peek() == ";":
            self.advance()
            self.skip_sp()
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.advance()
                value = self.bare_item()
            params[key] = value
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char in _DIGITS:
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char in _TOKEN_START:
            return self.token()
        raise self.error("expected an item")

    def number(self) -> int | Decimal:
        start = self.pos
        if self.peek() == "-":
            self.advance()
        digits_start = self.pos
        while self.peek() in _DIGITS:
            self.advance()
        integer_digits = self.pos - digits_start
        if integer_digits == 0:
            raise self.error("expected a digit")
        if self.peek() != ".":
            if integer_digits > 15:
                raise self.error("integer longer than 15 digits")
            return int(self.text[start:self.pos])
        if integer_digits > 12:
            raise self.error("decimal with more than 12 integer digits")
        self.advance()
        fraction_start = self.pos
        while self.peek() in _DIGITS:
            self.advance()
        if not 1 <= self.pos - fraction_start <= 3:
            raise self.error("decimal needs 1 to 3 fractional digits")
        return Decimal(self.text[start:self.pos])

    def string(self) -> str:
        self.expect('"')
        chars: list[str] = []
        while not self.at_end():
            char = self.advance()
            if char == "\\":
                escaped = self.advance()
                if escaped not in ('"', "\\"):
                    raise self.error("only \\\" and \\\\ may be escaped in a string")
                chars.append(escaped)
            elif char == '"':
                return "".join(chars)
            elif not " " <= char <= "~":
                raise self.error("non-printable or non-ASCII character in a string")
            else:
                chars.append(char)
        raise self.error("unterminated string")

    def token(self) -> Token:
        start = self.pos
        while self.peek() in _TOKEN_CHARS:
            self.pos += 1
        return Token(self.text[start:self.pos])

    def byte_sequence(self) -> bytes:
        self.expect(":")
        start = self.pos
        while self.peek() in _BASE64_CHARS:
            self.pos += 1
        encoded = self.text[start:self.pos]
        self.expect(":")
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise self.error(f"invalid base64 in byte sequence ({exc})") from exc

    def boolean(self) -> bool:
        self.expect("?")
        char = self.advance()
        if char not in ("0", "1"):
            self.pos -= 1
            raise self.error("a boolean is ?0 or ?1")
        return char == "1"


def serialize_dictionary(members: Mapping[str, Member]) -> str:
    """Serialize an sf-dictionary (RFC 8941 §4.1.2)."""
    return ", ".join(_dictionary_member(key, member) for key, member in members.items())


def _dictionary_member(key: str, member: Member) -> str:
    if isinstance(member, Item) and member.value is True:
        return key + _params(member.params)
    return f"{key}={serialize_member(member)}"


def serialize_member(member: Member) -> str:
    if isinstance(member, InnerList):
        return serialize_inner_list(member)
    return serialize_item(member)


def serialize_inner_list(inner: InnerList) -> str:
    return "(" + " ".join(serialize_item(item) for item in inner.items) + ")" + _params(inner.params)


def serialize_item(item: Item) -> str:
    return _bare_item(item.value) + _params(item.params)


def _params(params: Params) -> str:
    return "".join(f";{key}" if value is True else f";{key}={_bare_item(value)}" for key, value in params.items())


def _bare_item(value: BareItem) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise ValueError(f"integer {value} is out of the structured-field range")
        return str(value)
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, Token):
        return str(value)
    if isinstance(value, str):
        if not all(" " <= char <= "~" for char in value):
            raise ValueError("a structured-field string must be printable ASCII")
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    raise TypeError(f"cannot serialize {type(value).__name__} as a structured-field item")


def _decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    if abs(rounded) >= Decimal(10) ** 12:
        raise ValueError(f"decimal {value} is out of the structured-field range")
    text = format(rounded, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text
