"""What outside validators check: HTTP semantics (RFC 9110), WebFinger (RFC 7033), NodeInfo 2.1,
JSON-LD expansion of our documents, and the HTML details axe-core and the Nu checker flag."""

from __future__ import annotations

import re
from datetime import timedelta

import jsonschema
import pytest
from pyld import jsonld as pyld

from federation.jsonld import load_document
from node.services import events as ev
from node.storage import members as members_store
from node.timeutil import now
from tests.test_events import values
from tests.web import add_member, csrf_from, login

AS = "http://www.w3.org/ns/activitystreams#"  # as the vendored AS2 context spells it


# dates at the edge of what datetime holds: a 400 naming the field, never a 500


@pytest.mark.parametrize("path", ["/api/events", "/events", "/agenda", "/agenda.ics"])
@pytest.mark.parametrize("query, field", [("from=0001-01-01", "from"), ("to=9999-12-31", "to"),
                                          ("from=9999-12-31", "from"), ("to=0001-01-01", "to")])
async def test_edge_dates_are_a_400_naming_the_field(node, path: str, query: str, field: str) -> None:
    async with node.client().get(f"{path}?{query}", headers={"Accept": "application/json"}) as resp:
        assert resp.status == 400
        body = await resp.json()
    assert body["field"] == field and "1900-01-01" in body["error"]


@pytest.mark.parametrize("month", ["0001-01", "9999-12"])
async def test_edge_months_are_a_400(node, month: str) -> None:
    async with node.client().get(f"/agenda?view=month&month={month}") as resp:
        assert resp.status == 400


async def test_dates_inside_the_range_still_work(node) -> None:
    async with node.client().get("/api/events?from=1900-01-01&to=2999-12-31") as resp:
        assert resp.status == 200 and (await resp.json())["total"] == 0


# RFC 9110: a method the resource does not have is a 405 with `Allow`, before any CSRF check


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/api/space", "/api/members", "/api/events", "/api/catalogue", "/api/openapi.json"])
async def test_writing_to_the_read_only_api_is_a_405_with_allow(node, method: str, path: str) -> None:
    async with node.client().request(method, path, json={"name": "x"}) as resp:
        assert resp.status == 405
        assert set(resp.headers["Allow"].split(",")) == {"GET", "HEAD"}
        assert resp.content_type == "application/json" and (await resp.json())["status"] == 405


async def test_every_405_carries_allow_also_on_html_pages(node) -> None:
    async with node.client().put("/login", data={"x": "1"}) as resp:
        assert resp.status == 405 and set(resp.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    async with node.client().delete("/inbox") as resp:
        assert resp.status == 405 and resp.headers["Allow"] == "POST"


async def test_an_unknown_path_is_a_404_even_without_a_token(node) -> None:
    async with node.client().post("/api/nothing-here", data={"a": "b"}) as resp:
        assert resp.status == 404


async def test_a_routed_form_still_needs_its_token(node) -> None:
    add_member(node, "alice")
    http = node.client()
    assert await login(http, "alice") == 303
    async with http.post("/me/edit", data={"display_name": "Mallory"}) as resp:
        assert resp.status == 403


# WebFinger (RFC 7033): JSON everywhere, CORS on every answer, the space's URL, `rel` filtering


@pytest.mark.parametrize("query, status", [("", 400), ("resource=acct:nobody@elsewhere.example", 404),
                                           ("resource=acct:ghost@{domain}", 404), ("resource=" + "a" * 501, 400)])
async def test_webfinger_errors_are_json_with_cors(node, query: str, status: int) -> None:
    async with node.client().get(f"/.well-known/webfinger?{query.format(domain=node.config.domain)}") as resp:
        assert resp.status == status
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert resp.content_type == "application/json"
        assert (await resp.json())["status"] == status


@pytest.mark.parametrize("resource", ["{url}/", "{url}", "acct:{slug}@{domain}"])
async def test_webfinger_resolves_the_space_by_its_own_url(node, resource: str) -> None:
    resource = resource.format(url=node.url, slug=node.config.slug, domain=node.config.domain)
    async with node.client().get("/.well-known/webfinger", params={"resource": resource}) as resp:
        assert resp.status == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
        assert resp.content_type == "application/jrd+json"
        jrd = await resp.json(content_type=None)
    assert jrd["subject"] == f"acct:{node.config.slug}@{node.config.domain}"
    assert {"rel": "self", "type": "application/activity+json", "href": f"{node.url}/"} in jrd["links"]


async def test_webfinger_honours_rel(node) -> None:
    resource = f"acct:{node.config.slug}@{node.config.domain}"
    http = node.client()
    async with http.get("/.well-known/webfinger", params={"resource": resource, "rel": "self"}) as resp:
        jrd = await resp.json(content_type=None)
    assert [link["rel"] for link in jrd["links"]] == ["self"] and jrd["subject"] == resource
    query = [("resource", resource), ("rel", "self"), ("rel", "http://webfinger.net/rel/profile-page")]
    async with http.get("/.well-known/webfinger", params=query) as resp:
        assert len((await resp.json(content_type=None))["links"]) == 2
    subscribe = "http://ostatus.org/schema/1.0/subscribe"  # issue 13: our remote-interaction template
    async with http.get("/.well-known/webfinger", params={"resource": resource, "rel": subscribe}) as resp:
        assert [link["rel"] for link in (await resp.json(content_type=None))["links"]] == [subscribe]
    async with http.get("/.well-known/webfinger", params={"resource": resource, "rel": "http://example.org/unserved"}) as resp:
        assert resp.status == 200 and (await resp.json(content_type=None))["links"] == []


# NodeInfo 2.1: the schema's profile in Content-Type, CORS, real activity counts


async def test_nodeinfo_is_typed_with_its_profile_and_readable_from_anywhere(node) -> None:
    http = node.client()
    async with http.get("/.well-known/nodeinfo") as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        (href,) = [link["href"] for link in (await resp.json())["links"] if link["rel"].endswith("/2.1")]
    async with http.get(href) as resp:
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
        assert resp.headers["Content-Type"] == 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"'
        doc = await resp.json(content_type=None)
    assert doc["version"] == "2.1" and set(doc["usage"]["users"]) == {"total", "activeMonth", "activeHalfyear"}


async def test_nodeinfo_counts_members_who_used_the_node(node) -> None:
    for name, visibility in (("recent", "public"), ("spring", "network"), ("gone", "public"), ("hidden", "local")):
        add_member(node, name)
        members_store.update(node.store, members_store.get_by_username(node.store, name)["id"], visibility=visibility)
    add_member(node, "quiet")  # never signed in
    members_store.update(node.store, members_store.get_by_username(node.store, "quiet")["id"], visibility="public")
    for name, days_ago in (("spring", 100), ("gone", 400)):
        day = (now() - timedelta(days=days_ago)).date().isoformat()
        members_store.mark_active(node.store, members_store.get_by_username(node.store, name)["id"], day)
    for name in ("recent", "hidden"):
        http = node.client()
        assert await login(http, name) == 303
        async with http.get("/me/edit") as resp:
            assert resp.status == 200
    async with node.client().get("/nodeinfo/2.1") as resp:
        users = (await resp.json(content_type=None))["usage"]["users"]
    assert users == {"total": 4, "activeMonth": 1, "activeHalfyear": 2}


# JSON-LD: what a third party's processor makes of our actors


@pytest.mark.parametrize("path", ["/", "/actor", "/@alice"])
async def test_shared_inbox_expands_to_its_activitystreams_iri(node, path: str) -> None:
    add_member(node, "alice")
    members_store.update(node.store, members_store.get_by_username(node.store, "alice")["id"], visibility="public")
    async with node.client().get(path, headers={"Accept": "application/activity+json"}) as resp:
        assert resp.status == 200
        document = await resp.json(content_type=None)
    # Only the document's own context, as any JSON-LD processor reads it (bundled W3C contexts, no network).
    [actor] = pyld.expand(document, {"documentLoader": load_document})
    [endpoints] = actor[AS + "endpoints"]
    assert endpoints == {AS + "sharedInbox": [{"@id": f"{node.url}/inbox"}]}  # not a blank-node _:sharedInbox


# HTML: what axe-core (heading-order) and the Nu checker (autocomplete tokens) flag


def in_two_weeks() -> dict[str, str]:
    day = (now() + timedelta(days=14)).date().isoformat()
    return {"start": f"{day}T18:00", "end": f"{day}T20:00"}


def heading_levels(html: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]


def assert_no_heading_jump(html: str) -> None:
    levels = heading_levels(html)
    assert levels and levels[0] == 1
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}: {levels}"


@pytest.mark.parametrize("path", ["/members", "/agenda", "/events", "/me/events", "/"])
async def test_heading_levels_never_skip_one(node, path: str) -> None:
    add_member(node, "alice")
    members_store.update(node.store, members_store.get_by_username(node.store, "alice")["id"], visibility="public",
                         display_name="Alice")
    event = ev.create_event(node.store, node.config, values(**in_two_weeks()), by=None)
    http = node.client()
    assert await login(http, "alice") == 303
    async with http.post(f"/events/{event['uuid']}/attend", data={"csrf_token": await csrf_from(http, "/me/edit")}) as resp:
        assert resp.status < 400
    async with http.get(path) as resp:
        assert resp.status == 200
        html = await resp.text()
    assert "Alice" in html or "Atelier" in html
    assert_no_heading_jump(html)


async def test_the_single_line_street_input_is_address_line1(node) -> None:
    add_member(node, "admin", role="admin")
    http = node.client()
    assert await login(http, "admin") == 303
    async with http.get("/admin/space") as resp:
        html = await resp.text()
    (street,) = re.findall(r'<input id="street"[^>]*>', html)
    assert 'autocomplete="address-line1"' in street
    assert "street-address" not in html  # a token for a multi-line field (textarea) only


# requests aiohttp cannot read (a URL over its 8190-byte line limit) still answer the documented JSON error


@pytest.mark.parametrize("path", ["/api/members?q=", "/api/events?space=", "/members?q="])
async def test_an_over_long_url_is_a_json_error(node, path: str) -> None:
    async with node.client().get(path + "a" * 9000) as resp:
        assert resp.status == 400 and resp.content_type == "application/json"
        body = await resp.json()
    assert body["status"] == 400 and "too long" in body["error"]
    async with node.client().get("/api/space") as resp:  # the node still answers
        assert resp.status == 200


# the OpenAPI description states the real rules


async def test_openapi_states_the_rules_and_empty_means_absent(node) -> None:
    async with node.client().get("/api/openapi.json") as resp:
        document = await resp.json()
    parameters = {(path, p["name"]): p for path, item in document["paths"].items() for p in item["get"]["parameters"]}
    for (path, name), parameter in parameters.items():
        if parameter["in"] == "query":
            jsonschema.validate("", parameter["schema"])  # an empty value is valid: it means absent
            assert "same as leaving the parameter out" in parameter["description"], (path, name)
    for path in ("/api/members", "/api/catalogue"):
        assert "ESCO" in parameters[path, "skill"]["description"] and "400" in parameters[path, "skill"]["description"]
    country = parameters["/api/events", "country"]["schema"]
    jsonschema.validate("BE", country)
    for refused in ("AA", "EU", "France"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, country)
    for refused in ("a\x01b", "x" * 101):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, parameters["/api/members", "q"]["schema"])
    day = parameters["/api/events", "from"]["schema"]
    jsonschema.validate("2026-12-01", day)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("0001-01-01", day)
    space = parameters["/api/events", "space"]["schema"]
    jsonschema.validate("https://esco.example/", space)
    for refused in ("urn:x:y", "https://user@host/", "http:///path", "https://a b/"):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, space)
