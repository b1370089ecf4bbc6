"""Origin helpers: spelling must not change who owns a URL."""

from __future__ import annotations

import pytest

from federation.errors import MalformedError, OriginError
from federation.origin import host_of, origin, require_same_origin, same_origin


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://lille.example/users/a", "https://lille.example"),
        ("HTTPS://Lille.EXAMPLE/x", "https://lille.example"),
        ("https://lille.example:443/x", "https://lille.example"),
        ("http://lille.example:80/x", "http://lille.example"),
        ("https://lille.example:8443/x", "https://lille.example:8443"),
        ("http://lille.example:443/x", "http://lille.example:443"),
        ("https://lille.example./x", "https://lille.example"),
        ("https://good.example@evil.example/", "https://evil.example"),
        ("https://good.example:pw@evil.example:8443/", "https://evil.example:8443"),
        ("https://bücher.example/", "https://xn--bcher-kva.example"),
        ("https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example"),
        ("http://127.0.0.1:8080/@a", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/x", "http://[::1]:8080"),
        ("https://[2001:DB8::1]/x", "https://[2001:db8::1]"),
        ("https://lille.example/a#main-key", "https://lille.example"),
    ],
)
def test_origin_normalises_spelling(url: str, expected: str) -> None:
    assert origin(url) == expected


@pytest.mark.parametrize(
    "url",
    ["", "lille.example/x", "/users/a", "mailto:a@lille.example", "ftp://lille.example/", "https:///x",
     "https://lille.example:99999/", "https://good.example\\@evil.example/", "https://./"],
)
def test_origin_rejects_what_is_not_an_http_url(url: str) -> None:
    with pytest.raises(MalformedError):
        origin(url)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://lille.example/users/a", "https://LILLE.example:443/notes/1", True),
        ("https://lille.example/", "https://lille.example./", True),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/b", True),
        ("https://lille.example/", "http://lille.example/", False),
        ("https://lille.example/", "https://lille.example:8443/", False),
        ("https://lille.example/", "https://sub.lille.example/", False),
        ("https://lille.example/", "https://lille.example.evil.example/", False),
        ("https://lille.example/", "https://lille.example@evil.example/", False),
        ("https://lille.example/", "not a url", False),
    ],
)
def test_same_origin(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
    assert same_origin(b, a) is same


def test_host_of_drops_port_userinfo_and_trailing_dot() -> None:
    assert host_of("https://u:p@Lille.Example.:8443/x") == "lille.example"
    assert host_of("http://[::1]:8080/") == "::1"


def test_require_same_origin_names_the_offender() -> None:
    require_same_origin("https://lille.example/users/a", "https://lille.example/notes/1", "object")
    with pytest.raises(OriginError, match=r"object 'https://evil.example/notes/1' is not on the origin"):
        require_same_origin("https://lille.example/users/a", "https://evil.example/notes/1", "object")
