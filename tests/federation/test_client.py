"""FederationClient against real aiohttp servers on 127.0.0.1: SSRF guard, limits, id check, signatures."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from federation import client as client_module
from federation import httpsig
from federation.client import (
    ACTIVITY_CONTENT_TYPE,
    ClientSettings,
    DeliveryResult,
    FederationClient,
    Signer,
    is_public_address,
    parse_retry_after,
)
from federation.errors import FetchError, GoneError, MalformedError, TooLargeError, UnsafeAddressError
from federation.keys import generate_rsa
from federation.types import PublicKeyInfo

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PRIVATE = ClientSettings(allow_private_network=True)
KEY_ID = "https://lille.example/actor#main-key"


class Peer:
    """A test server that records every request it receives."""

    def __init__(self, server) -> None:
        self.server = server
        self.seen: list[str] = []

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.server.scheme}://{host}:{self.server.port}{path}"


@pytest.fixture
def peer_factory(aiohttp_server) -> Callable[..., Awaitable[Peer]]:
    async def start(
        routes: dict[str, Handler], *, host: str = "127.0.0.1", ssl_context: ssl.SSLContext | None = None
    ) -> Peer:
        peer: Peer

        @web.middleware
        async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
            peer.seen.append(request.path)
            return await handler(request)

        app = web.Application(middlewares=[record])
        for path, handler in routes.items():
            app.router.add_route("*", path, handler)
        peer = Peer(await aiohttp_server(app, host=host, ssl=ssl_context))
        return peer

    return start


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return generate_rsa()


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ssl.SSLContext]:
    """A throwaway CA (its PEM file for `ca_file`) and a server context for `lille.test`."""
    directory = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Coffee test CA")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lille.test")]))
        .issuer_name(ca_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("lille.test")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_file, key_file)
    return ca_file, server_context


def serve_object(path: str = "/objects/1", **extra: object) -> Handler:
    """A handler answering with an object whose id is the URL it was asked at."""

    async def handler(request: web.Request) -> web.Response:
        doc = {"id": str(request.url.with_path(path)), "type": "Note", **extra}
        return web.json_response(doc, content_type=ACTIVITY_CONTENT_TYPE)

    return handler


@pytest.fixture
def public_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend 127.0.0.1 is a public peer, so the guard's decisions on *other* addresses can be tested."""
    real = client_module.is_public_address
    monkeypatch.setattr(
        client_module, "is_public_address", lambda address: str(address) == "127.0.0.1" or real(address)
    )


# --- address classification -------------------------------------------------------------

@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True), ("2606:4700:4700::1111", True), ("::ffff:93.184.215.14", True),
        ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
        ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
        ("240.0.0.1", False), ("255.255.255.255", False), ("192.0.2.1", False), ("198.18.0.1", False),
        ("::1", False), ("::", False), ("fe80::1", False), ("fe80::1%eth0", False), ("fc00::1", False),
        ("fec0::1", False), ("ff02::1", False), ("2001:db8::1", False), ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False), ("64:ff9b::a00:1", False), ("not an address", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


# --- SSRF guard -------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "lille.test"])
async def test_refuses_private_targets_before_any_request(peer_factory, host: str) -> None:
    peer = await peer_factory({"/objects/1": serve_object()})
    settings = ClientSettings(host_overrides={"lille.test": "127.0.0.1"})
    async with FederationClient(settings) as client:
        with pytest.raises(UnsafeAddressError):
            await client.get_object(peer.url("/objects/1", host=host), signer=None)
    assert peer.seen == []


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/x", "http://[::1]:1/x", "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/x", "https://internal.test/x",
])
async def test_refuses_private_literals_and_overrides_without_connecting(url: str) -> None:
    settings = ClientSettings(host_overrides={"internal.test": "10.0.0.7"}, connect_timeout=0.5)
    async with FederationClient(settings) as client:
        with pytest.raises(UnsafeAddressError):
            await client.get_object(url, signer=None)
        with pytest.raises(UnsafeAddressError):
            await client.get_json(url)


@pytest.mark.parametrize("url", ["http://2130706433/x", "http://127.1/x", "http://0x7f.0.0.1/x", "file:///etc/passwd"])
async def test_legacy_ip_spellings_and_other_schemes_are_refused(url: str) -> None:
    async with FederationClient(ClientSettings(connect_timeout=0.5)) as client:
        with pytest.raises(FetchError):
            await client.get_object(url, signer=None)


async def test_refuses_a_redirect_to_a_private_address(peer_factory, public_loopback) -> None:
    inside = await peer_factory({"/secret": serve_object("/secret")}, host="127.0.0.2")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(inside.url("/secret", host="127.0.0.2"))

    outside = await peer_factory({"/objects/1": redirect})
    async with FederationClient() as client:
        with pytest.raises(UnsafeAddressError):
            await client.get_object(outside.url("/objects/1"), signer=None)
    assert outside.seen == ["/objects/1"]
    assert inside.seen == []


async def test_private_mode_allows_loopback_and_follows_redirects(peer_factory) -> None:
    inside = await peer_factory({"/secret": serve_object("/secret")}, host="127.0.0.2")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPFound(inside.url("/secret", host="127.0.0.2"))

    outside = await peer_factory({"/objects/1": redirect})
    async with FederationClient(PRIVATE) as client:
        doc = await client.get_object(outside.url("/objects/1"), signer=None)
    assert doc["id"] == inside.url("/secret", host="127.0.0.2")


async def test_tls_with_host_override_and_private_ca(peer_factory, tls) -> None:
    ca_file, server_context = tls
    peer = await peer_factory({"/objects/1": serve_object()}, ssl_context=server_context)
    settings = ClientSettings(allow_private_network=True, ca_file=ca_file, host_overrides={"lille.test": "127.0.0.1"})
    async with FederationClient(settings) as client:
        url = peer.url("/objects/1", host="lille.test")
        assert (await client.get_object(url, signer=None))["id"] == url
    without_ca = ClientSettings(allow_private_network=True, host_overrides={"lille.test": "127.0.0.1"})
    async with FederationClient(without_ca) as client:
        with pytest.raises(FetchError, match="ertificate"):
            await client.get_object(url, signer=None)


async def test_refuses_https_to_http_downgrade(peer_factory, tls, public_loopback) -> None:
    ca_file, server_context = tls
    plain = await peer_factory({"/objects/1": serve_object()})

    async def downgrade(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently(plain.url("/objects/1"))

    secure = await peer_factory({"/objects/1": downgrade}, ssl_context=server_context)
    settings = ClientSettings(ca_file=ca_file, host_overrides={"lille.test": "127.0.0.1"})
    async with FederationClient(settings) as client:
        with pytest.raises(FetchError, match="from https to"):
            await client.get_object(secure.url("/objects/1", host="lille.test"), signer=None)
    assert plain.seen == []


# --- limits -----------------------------------------------------------------------------

async def test_redirect_loops_are_capped(peer_factory) -> None:
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/loop")

    peer = await peer_factory({"/loop": loop})
    async with FederationClient(ClientSettings(allow_private_network=True, max_redirects=3)) as client:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await client.get_object(peer.url("/loop"), signer=None)
    assert peer.seen == ["/loop"] * 4


@pytest.mark.parametrize("declared", [True, False])
async def test_body_cap(peer_factory, declared: bool) -> None:
    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": ACTIVITY_CONTENT_TYPE})
        if declared:
            response.content_length = 2_000_000
        await response.prepare(request)
        for _ in range(2_000_000 // 10_000):
            await response.write(b" " * 10_000)
        return response

    peer = await peer_factory({"/big": big})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(TooLargeError):
            await client.get_object(peer.url("/big"), signer=None)


async def test_slow_server_times_out(peer_factory) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    peer = await peer_factory({"/slow": slow})
    settings = ClientSettings(allow_private_network=True, read_timeout=0.2, total_timeout=0.5)
    async with FederationClient(settings) as client:
        with pytest.raises(FetchError, match="timed out"):
            await client.get_object(peer.url("/slow"), signer=None)


async def test_overall_deadline_covers_a_trickling_body(peer_factory) -> None:
    async def trickle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": ACTIVITY_CONTENT_TYPE})
        await response.prepare(request)
        for _ in range(50):
            await response.write(b" ")
            await asyncio.sleep(0.05)
        return response

    peer = await peer_factory({"/trickle": trickle})
    settings = ClientSettings(allow_private_network=True, read_timeout=1, total_timeout=0.5)
    async with FederationClient(settings) as client:
        with pytest.raises(FetchError, match="timed out"):
            await client.get_object(peer.url("/trickle"), signer=None)


# --- what a fetched object must be ------------------------------------------------------

async def test_wrong_content_type_is_refused(peer_factory) -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(text="<html></html>", content_type="text/html")

    peer = await peer_factory({"/page": html})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(FetchError, match="content type 'text/html'"):
            await client.get_object(peer.url("/page"), signer=None)


AS2_LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'


@pytest.mark.parametrize("content_type", ["application/activity+json", "application/activity+json; charset=utf-8",
                                          AS2_LD, 'APPLICATION/LD+JSON;profile="https://www.w3.org/ns/activitystreams"'])
async def test_activity_content_types_are_accepted(peer_factory, content_type: str) -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps({"id": str(request.url)}), headers={"Content-Type": content_type})

    peer = await peer_factory({"/objects/1": handler})
    async with FederationClient(PRIVATE) as client:
        assert (await client.get_object(peer.url("/objects/1"), signer=None))["id"] == peer.url("/objects/1")


@pytest.mark.parametrize("content_type", ["application/json", "application/ld+json",
                                          'application/ld+json; profile="https://evil.example/ns"', "text/json"])
async def test_plain_json_is_not_an_activitypub_object(peer_factory, content_type: str) -> None:
    """A JSON file a user uploaded to a peer must not pass for one of its actors or keys."""
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=json.dumps({"id": str(request.url)}), headers={"Content-Type": content_type})

    peer = await peer_factory({"/objects/1": handler})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(FetchError, match="content type"):
            await client.get_object(peer.url("/objects/1"), signer=None)


async def test_a_document_claiming_another_id_is_refused(peer_factory) -> None:
    async def liar(request: web.Request) -> web.Response:
        return web.json_response({"id": "https://elsewhere.example/objects/1"}, content_type=ACTIVITY_CONTENT_TYPE)

    peer = await peer_factory({"/objects/1": liar})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(FetchError, match="document id 'https://elsewhere.example/objects/1'"):
            await client.get_object(peer.url("/objects/1"), signer=None)


async def test_after_a_redirect_the_id_must_be_the_final_url(peer_factory) -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/objects/2")

    async def old_id(request: web.Request) -> web.Response:
        return web.json_response({"id": str(request.url.with_path("/objects/1"))}, content_type=ACTIVITY_CONTENT_TYPE)

    peer = await peer_factory({"/objects/1": moved, "/objects/2": old_id})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(FetchError, match="is not"):
            await client.get_object(peer.url("/objects/1"), signer=None)


@pytest.mark.parametrize(("status", "error"), [(410, GoneError), (404, FetchError), (500, FetchError)])
async def test_error_statuses(peer_factory, status: int, error: type[Exception]) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.json_response({"error": "no"}, status=status)

    peer = await peer_factory({"/objects/1": answer})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(error, match=f"{status}"):
            await client.get_object(peer.url("/objects/1"), signer=None)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
async def test_unparsable_or_non_object_json_is_malformed(peer_factory, body: bytes) -> None:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type=ACTIVITY_CONTENT_TYPE)

    peer = await peer_factory({"/objects/1": answer})
    async with FederationClient(PRIVATE) as client:
        with pytest.raises(MalformedError):
            await client.get_object(peer.url("/objects/1"), signer=None)


async def test_get_json_accepts_jrd_and_sends_no_signature(peer_factory) -> None:
    headers: list[dict[str, str]] = []

    async def jrd(request: web.Request) -> web.Response:
        headers.append(dict(request.headers))
        return web.json_response({"subject": "acct:a@lille.example"}, content_type="application/jrd+json")

    peer = await peer_factory({"/.well-known/webfinger": jrd})
    async with FederationClient(PRIVATE) as client:
        assert await client.get_json(peer.url("/.well-known/webfinger"), accept="application/jrd+json") == {
            "subject": "acct:a@lille.example"}
    assert "Signature" not in headers[0]
    assert headers[0]["Accept"] == "application/jrd+json"
    assert headers[0]["User-Agent"].startswith("Coffee/")


# --- signatures -------------------------------------------------------------------------

def resolver_for(key: rsa.RSAPrivateKey):
    async def resolve(key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        assert key_id == KEY_ID
        return PublicKeyInfo(key_id=KEY_ID, owner="https://lille.example/actor", key=key.public_key())

    return resolve


async def test_signed_get_verifies(peer_factory, rsa_key) -> None:
    signers: list[str] = []

    async def verified(request: web.Request) -> web.Response:
        signer = await httpsig.verify_request(
            request.method, str(request.url), request.headers, b"", resolver_for(rsa_key)
        )
        signers.append(signer.owner)
        return web.json_response({"id": str(request.url)}, content_type=ACTIVITY_CONTENT_TYPE)

    peer = await peer_factory({"/objects/1": verified})
    async with FederationClient(PRIVATE) as client:
        await client.get_object(peer.url("/objects/1"), signer=Signer(KEY_ID, rsa_key))
    assert signers == ["https://lille.example/actor"]


async def test_post_activity_signs_the_body_and_reports_the_status(peer_factory, rsa_key) -> None:
    received: list[bytes] = []

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        await httpsig.verify_request(request.method, str(request.url), request.headers, body, resolver_for(rsa_key))
        assert request.content_type == ACTIVITY_CONTENT_TYPE
        received.append(body)
        return web.Response(status=202)

    peer = await peer_factory({"/inbox": inbox})
    async with FederationClient(PRIVATE) as client:
        result = await client.post_activity(peer.url("/inbox"), b'{"type": "Follow"}', signer=Signer(KEY_ID, rsa_key))
    assert result == DeliveryResult(status=202, retry_after=None, error=None)
    assert received == [b'{"type": "Follow"}']


async def test_post_activity_returns_refusals_and_retry_after(peer_factory, rsa_key) -> None:
    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=429, text="slow down", headers={"Retry-After": "120"})

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPPermanentRedirect("/elsewhere")

    peer = await peer_factory({"/busy": busy, "/moved": moved})
    async with FederationClient(PRIVATE) as client:
        busy_result = await client.post_activity(peer.url("/busy"), b"{}", signer=Signer(KEY_ID, rsa_key))
        moved_result = await client.post_activity(peer.url("/moved"), b"{}", signer=Signer(KEY_ID, rsa_key))
    assert busy_result == DeliveryResult(status=429, retry_after=120.0, error="HTTP 429: slow down")
    assert moved_result.status == 308 and "not followed" in (moved_result.error or "")
    assert peer.seen == ["/busy", "/moved"]


async def test_pending_deliveries_never_starve_fetches_to_the_same_host(peer_factory, rsa_key) -> None:
    """A peer answers our delivery only after we fetched something from it (as when it verifies the
    delivery by fetching a key from us, and we must fetch its key to answer): with every delivery
    connection to it taken, the fetch must still go through."""
    fetched, connections_taken = asyncio.Event(), asyncio.Event()
    arrived: list[web.Request] = []

    async def inbox(request: web.Request) -> web.Response:
        arrived.append(request)
        if len(arrived) == settings.max_connections_per_host:
            connections_taken.set()
        await asyncio.wait_for(fetched.wait(), timeout=5)
        return web.Response(status=202)

    async def key(request: web.Request) -> web.Response:
        response = await serve_object("/key")(request)
        fetched.set()
        return response

    peer = await peer_factory({"/inbox": inbox, "/key": key})
    settings = ClientSettings(allow_private_network=True, max_connections_per_host=2, total_timeout=8)
    async with FederationClient(settings) as client:
        deliveries = [asyncio.create_task(client.post_activity(peer.url("/inbox"), b"{}", signer=Signer(KEY_ID, rsa_key)))
                      for _ in range(4)]
        await asyncio.wait_for(connections_taken.wait(), timeout=5)  # deliveries hold every connection to the peer
        assert len(arrived) == settings.max_connections_per_host  # the others wait for one
        assert (await client.get_object(peer.url("/key"), signer=None))["id"] == peer.url("/key")
        assert [result.status for result in await asyncio.gather(*deliveries)] == [202] * 4


async def test_post_activity_reports_network_failures_as_status_zero(rsa_key, unused_tcp_port: int) -> None:
    async with FederationClient(PRIVATE) as client:
        url = f"http://127.0.0.1:{unused_tcp_port}/inbox"
        result = await client.post_activity(url, b"{}", signer=Signer(KEY_ID, rsa_key))
    assert result.status == 0 and result.retry_after is None and result.error


async def test_post_activity_raises_for_unsafe_targets(peer_factory, rsa_key) -> None:
    peer = await peer_factory({"/inbox": serve_object()})
    async with FederationClient() as client:
        with pytest.raises(UnsafeAddressError):
            await client.post_activity(peer.url("/inbox"), b"{}", signer=Signer(KEY_ID, rsa_key))
    assert peer.seen == []


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("120", 120.0), (" 5 ", 5.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0), ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),
     ("soon", None), ("", None), (None, None), ("-3", None)],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    now = dt.datetime(2015, 10, 21, 7, 27, tzinfo=dt.timezone.utc)
    assert parse_retry_after(value, now) == seconds


async def test_using_a_client_before_start_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError, match="start"):
        await FederationClient(PRIVATE).get_json("http://127.0.0.1:1/")
