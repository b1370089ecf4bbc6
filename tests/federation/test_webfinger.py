"""WebFinger and host-meta: what we answer for our actors, and how we resolve others' handles."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from aiohttp import web

from federation.client import ClientSettings, FederationClient
from federation.errors import FetchError, MalformedError
from federation.webfinger import (
    PROFILE_PAGE_REL,
    host_meta_xml,
    parse_resource,
    resolve_handle,
    select_links,
    split_handle,
    webfinger_response,
    webfinger_url,
)


def test_response_links_the_actor_and_the_profile_page() -> None:
    jrd = webfinger_response("acct:alice@lille.example", "https://lille.example/@alice", "https://lille.example/@alice")
    assert jrd["subject"] == "acct:alice@lille.example"
    assert jrd["aliases"] == ["https://lille.example/@alice"]
    assert {"rel": "self", "type": "application/activity+json", "href": "https://lille.example/@alice"} in jrd["links"]
    assert {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": "https://lille.example/@alice"} in jrd["links"]


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("acct:alice@lille.example", "alice"),
        ("alice@lille.example", "alice"),
        ("acct:alice@LILLE.example", "alice"),
        ("https://lille.example/@alice", "alice"),
        ("https://LILLE.example:443/@alice", "alice"),
        ("acct:alice@roubaix.example", None),
        ("https://roubaix.example/@alice", None),
        ("https://lille.example@roubaix.example/@alice", None),
        ("https://lille.example/users/alice", None),
        ("https://lille.example/@alice/outbox", None),
        ("acct:@lille.example", None),
        ("acct:a/b@lille.example", None),
        ("lille.example", None),
        ("https://lille.example:99999/@alice", None),
    ],
)
def test_parse_resource(resource: str, expected: str | None) -> None:
    assert parse_resource(resource, "lille.example") == expected


def test_parse_resource_keeps_the_port_of_test_nodes() -> None:
    assert parse_resource("acct:alice@127.0.0.1:8080", "127.0.0.1:8080") == "alice"
    assert parse_resource("http://127.0.0.1:8080/@alice", "127.0.0.1:8080") == "alice"
    assert parse_resource("acct:alice@127.0.0.1:9090", "127.0.0.1:8080") is None


def test_host_meta_points_at_webfinger_with_escaped_template() -> None:
    xml = host_meta_xml("https://lille.example/")
    assert 'template="https://lille.example/.well-known/webfinger?resource={uri}"' in xml
    assert 'rel="lrdd"' in xml


@pytest.mark.parametrize(
    ("handle", "expected"),
    [
        ("acct:alice@lille.example", ("alice", "lille.example")),
        ("alice@Lille.Example", ("alice", "lille.example")),
        ("@alice@lille.example", ("alice", "lille.example")),
        ("alice@127.0.0.1:8080", ("alice", "127.0.0.1:8080")),
        ("alice@bücher.example", ("alice", "xn--bcher-kva.example")),
    ],
)
def test_split_handle(handle: str, expected: tuple[str, str]) -> None:
    assert split_handle(handle) == expected


@pytest.mark.parametrize("handle", [
    "alice", "alice@", "@lille.example", "alice@lille.example/x", "alice@evil@lille.example",
    "alice@lille.example?x", "a b@lille.example",
])
def test_split_handle_rejects_what_is_not_a_handle(handle: str) -> None:
    with pytest.raises(MalformedError):
        split_handle(handle)


@pytest.mark.parametrize(
    ("host", "private", "scheme"),
    [
        ("lille.example", False, "https"),
        ("lille.example", True, "https"),
        ("127.0.0.1:8080", False, "https"),
        ("127.0.0.1:8080", True, "http"),
        ("localhost:8080", True, "http"),
        ("[::1]:8080", True, "http"),
    ],
)
def test_webfinger_url_uses_http_only_for_local_hosts_in_private_mode(host: str, private: bool, scheme: str) -> None:
    url = webfinger_url("alice", host, private)
    assert url == f"{scheme}://{host}/.well-known/webfinger?resource=acct:alice@{quote(host, safe=':')}"


async def test_resolve_handle_asks_webfinger_and_returns_the_self_link(aiohttp_server) -> None:
    asked: list[str] = []

    async def webfinger(request: web.Request) -> web.Response:
        asked.append(request.query["resource"])
        actor = f"http://{request.host}/@alice"
        jrd = {"subject": request.query["resource"], "links": [
            {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": actor},
            {"rel": "self", "type": "application/activity+json", "href": actor},
        ]}
        return web.json_response(jrd, content_type="application/jrd+json")

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    server = await aiohttp_server(app)
    host = f"127.0.0.1:{server.port}"
    async with FederationClient(ClientSettings(allow_private_network=True)) as client:
        assert await resolve_handle(client, f"@alice@{host}") == f"http://{host}/@alice"
    assert asked == [f"acct:alice@{host}"]


async def test_resolve_handle_without_activitypub_link_fails(aiohttp_server) -> None:
    async def webfinger(request: web.Request) -> web.Response:
        return web.json_response({"subject": request.query["resource"], "links": []})

    app = web.Application()
    app.router.add_get("/.well-known/webfinger", webfinger)
    server = await aiohttp_server(app)
    async with FederationClient(ClientSettings(allow_private_network=True)) as client:
        with pytest.raises(FetchError, match="no ActivityPub actor"):
            await resolve_handle(client, f"alice@127.0.0.1:{server.port}")


@pytest.mark.parametrize(("resource", "expected"), [
    ("https://lille.example/", "space"), ("https://lille.example", "space"), ("https://LILLE.example:443/", "space"),
    ("https://lille.example/?x=1", None), ("https://lille.example/#top", None), ("https://lille.example/about", None),
    ("https://roubaix.example/", None),
])
def test_the_site_url_stands_for_the_root_account(resource: str, expected: str | None) -> None:
    assert parse_resource(resource, "lille.example", root_name="space") == expected
    assert parse_resource(resource, "lille.example") is None


def test_select_links_keeps_the_asked_relations_and_the_rest_of_the_jrd() -> None:
    jrd = webfinger_response("acct:alice@lille.example", "https://lille.example/@alice", "https://lille.example/@alice")
    assert select_links(jrd, []) == jrd
    only_self = select_links(jrd, ["self"])
    assert [link["rel"] for link in only_self["links"]] == ["self"] and only_self["subject"] == jrd["subject"]
    assert select_links(jrd, ["http://ostatus.org/schema/1.0/subscribe"])["links"] == []
