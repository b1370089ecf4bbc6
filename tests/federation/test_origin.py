"""Origin helpers: spelling must not change who owns a URL."""

from __future__ import annotations

import pytest

from federation.errors import MalformedError, OriginError
from federation.origin import (covering_domains, domain_of, host_of, normalise_domain, origin, require_same_origin,
                              same_origin)


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


# --- the one domain spelling of blocks, rate limits and discovery ------------------------------

@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Evil.Example./users/x", "evil.example"),
        ("https://evil.example:443/users/x", "evil.example"),
        ("http://evil.example:80/", "evil.example"),
        ("https://evil.example:8443/", "evil.example:8443"),
        ("https://bücher.example/", "xn--bcher-kva.example"),
        ("http://127.0.0.1:8080/@a", "127.0.0.1:8080"),
        ("http://[::1]:8080/x", "[::1]:8080"),
    ],
)
def test_domain_of_normalises_spelling(url: str, expected: str) -> None:
    assert domain_of(url) == expected


@pytest.mark.parametrize("url", ["https://good.example@evil.example/", "https://u:p@evil.example/", "not a url",
                                 "ftp://evil.example/"])
def test_domain_of_refuses_userinfo_and_non_http(url: str) -> None:
    with pytest.raises(MalformedError):
        domain_of(url)


@pytest.mark.parametrize(("text", "expected"), [
    ("EVIL.example.", "evil.example"), (" evil.example:443 ", "evil.example"), ("evil.example:80", "evil.example"),
    ("evil.example:8443", "evil.example:8443"), ("127.0.0.1:8080", "127.0.0.1:8080"), ("bücher.example", "xn--bcher-kva.example"),
])
def test_normalise_domain_reads_what_an_admin_types(text: str, expected: str) -> None:
    assert normalise_domain(text) == expected


@pytest.mark.parametrize("text", ["", "https://evil.example/", "evil.example/x", "eve@evil.example", "evil example"])
def test_normalise_domain_refuses_urls_and_userinfo(text: str) -> None:
    with pytest.raises(MalformedError):
        normalise_domain(text)


def test_covering_domains_are_the_domain_and_its_parents_with_and_without_port() -> None:
    assert covering_domains("a.evil.example:8443") == [
        "a.evil.example:8443", "a.evil.example", "evil.example:8443", "evil.example", "example:8443", "example"]
    assert covering_domains("evil.example") == ["evil.example", "example"]
    assert covering_domains("127.0.0.1:8080") == ["127.0.0.1:8080", "127.0.0.1"]  # an address has no parents
    assert covering_domains("[::1]:8080") == ["[::1]:8080", "[::1]"]
