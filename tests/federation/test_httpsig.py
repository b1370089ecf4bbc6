"""HTTP signatures: published vectors, their mutations, our own round trips, key refresh.

Vectors live in tests/federation/vectors/ as published (draft-cavage-12 Appendix C,
RFC 9421 Appendix B). Each must reproduce its signing string or signature base exactly
and verify; then our policy (Mastodon's rules) decides whether it is acceptable, and
every mutated copy must fail with the stated error class and reason.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from multidict import CIMultiDict, CIMultiDictProxy

from federation import _cavage, _rfc9421
from federation._sigbase import ED25519, RSA_PSS_SHA512, Message, signer
from federation.errors import FederationError, SignatureFormatError, SignatureMismatch
from federation.httpsig import sign_request, verify_request
from federation.keys import generate_ed25519, generate_rsa, load_private, load_public
from federation.structured_fields import InnerList, Item, parse_dictionary
from federation.types import PublicKeyInfo, VerifiedSigner

VECTORS = Path(__file__).parent / "vectors"
CAVAGE = json.loads((VECTORS / "cavage-12.json").read_text())
RFC9421 = json.loads((VECTORS / "rfc9421.json").read_text())
# The published test keys (not secrets), as text by their original file name.
TEST_KEYS = {name: pem.encode() for name, pem in json.loads((VECTORS / "published-test-keys.json").read_text())["keys"].items()}
OWNER = "https://remote.example/actor"
FORMAT, MISMATCH = SignatureFormatError, SignatureMismatch
OTHER_RSA = generate_rsa(1024)
OTHER_ED25519 = generate_ed25519()


def vector_key(name: str) -> PublicKeyTypes:
    return load_public(TEST_KEYS[name])


class Resolver:
    """A KeyResolver that hands out `keys` in turn (the last one again) and records its calls."""

    def __init__(self, *keys: PublicKeyTypes) -> None:
        self.keys = keys
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, *, refresh: bool = False) -> PublicKeyInfo:
        self.calls.append((key_id, refresh))
        return PublicKeyInfo(key_id, OWNER, self.keys[min(len(self.calls), len(self.keys)) - 1])


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    now: datetime
    key: PublicKeyTypes

    def apply(self, *mutations: Callable[[Request], Request]) -> Request:
        request = self
        for mutate in mutations:
            request = mutate(request)
        return request

    async def verify(self, resolver: Resolver | None = None) -> VerifiedSigner:
        return await verify_request(
            self.method, self.url, self.headers, self.body, resolver or Resolver(self.key), now=self.now
        )


Mutation = Callable[[Request], Request]


def header(name: str, value: str | None) -> Mutation:
    """Set (or with None remove) a header, whatever case the request spells it in."""

    def mutate(request: Request) -> Request:
        kept = {key: val for key, val in request.headers.items() if key.lower() != name.lower()}
        return replace(request, headers=kept if value is None else {**kept, name: value})

    return mutate


def edit(name: str, old: str, new: str) -> Mutation:
    """Replace text inside a header value, e.g. a parameter of the Signature header."""

    def mutate(request: Request) -> Request:
        value = next(val for key, val in request.headers.items() if key.lower() == name.lower())
        assert old in value, (old, value)
        return header(name, value.replace(old, new, 1))(request)

    return mutate


def body(new: bytes) -> Mutation:
    return lambda request: replace(request, body=new)


def url(new: str) -> Mutation:
    return lambda request: replace(request, url=new)


def later(delta: timedelta) -> Mutation:
    return lambda request: replace(request, now=request.now + delta)


def key(new: PublicKeyTypes) -> Mutation:
    return lambda request: replace(request, key=new)


class Broken:
    """A mutated copy of a good request, and how it must fail."""

    def __init__(self, name: str, error: type[FederationError], reason: str, *mutations: Mutation) -> None:
        self.name, self.error, self.reason, self.mutations = name, error, reason, mutations

    async def check(self, request: Request) -> None:
        await assert_rejected(request.apply(*self.mutations), self.error, self.reason)


async def assert_rejected(request: Request, error: type[FederationError], reason: str) -> None:
    with pytest.raises(error) as caught:
        await request.verify()
    assert type(caught.value) is error
    assert reason in str(caught.value)


# --- draft-cavage-http-signatures-12, Appendix C -------------------------------------------

CAVAGE_KEY = vector_key(CAVAGE["public_key"])
CAVAGE_NOW = datetime.fromisoformat(CAVAGE["now"])


def cavage_request(vector: dict) -> Request:
    spec = CAVAGE["request"]
    headers = {**spec["headers"], vector["header"]: vector["value"]}
    return Request(spec["method"], spec["url"], headers, spec["body"].encode(), CAVAGE_NOW, CAVAGE_KEY)


def cavage_message() -> Message:
    spec = CAVAGE["request"]
    return Message.build(spec["method"], spec["url"], spec["headers"], spec["body"].encode())


def cavage_signature(vector: dict) -> bytes:
    params = _cavage.parse_params(vector["value"].removeprefix("Signature "))
    return base64.b64decode(params["signature"])


CAVAGE_VECTORS = {vector["name"]: vector for vector in CAVAGE["vectors"]}


def test_cavage_test_key_is_the_published_pair() -> None:
    private = load_private(TEST_KEYS[CAVAGE["key"]])
    assert private.public_key() == CAVAGE_KEY


@pytest.mark.parametrize("name", CAVAGE_VECTORS)
def test_cavage_signing_string_is_the_published_one(name: str) -> None:
    vector = CAVAGE_VECTORS[name]
    signing_string = _cavage.signing_string(cavage_message(), vector["signed"], {})
    assert signing_string.decode() == "\n".join(vector["signing_string"])


def test_cavage_section_2_3_signing_string() -> None:
    example = CAVAGE["section_2_3_example"]
    message = Message.build(example["method"], example["url"], CIMultiDict(example["headers"]), None)
    signing_string = _cavage.signing_string(message, example["signed"], example["params"])
    assert signing_string.decode() == "\n".join(example["signing_string"])


@pytest.mark.parametrize("name", CAVAGE_VECTORS)
def test_cavage_published_signature_verifies_and_we_reproduce_it(name: str) -> None:
    vector = CAVAGE_VECTORS[name]
    signing_string = _cavage.signing_string(cavage_message(), vector["signed"], {})
    assert _cavage.RSA_SHA256.verifies(CAVAGE_KEY, cavage_signature(vector), signing_string)
    private = load_private(TEST_KEYS[CAVAGE["key"]])
    assert signer(private).sign(signing_string) == cavage_signature(vector)  # PKCS#1 v1.5 is deterministic


@pytest.mark.parametrize("name", CAVAGE_VECTORS)
async def test_cavage_published_vector_against_our_policy(name: str) -> None:
    vector = CAVAGE_VECTORS[name]
    request = cavage_request(vector)
    if vector["policy"] is None:
        assert await request.verify() == VerifiedSigner("Test", OWNER, "rsa-sha256", "cavage")
    else:
        await assert_rejected(request, SignatureFormatError, vector["policy"])


C3 = cavage_request(CAVAGE_VECTORS["C.3 all headers, with the header list its signing string uses"])

CAVAGE_BROKEN = [
    Broken("changed body", MISMATCH, "Digest sha-256 does not match the body", body(b'{"hello": "World"}')),
    Broken("changed header value", MISMATCH, "does not verify", header("Content-Type", "text/plain")),
    Broken("changed path", MISMATCH, "does not verify", url("https://example.com/bar?param=value&pet=dog")),
    Broken("changed query", MISMATCH, "does not verify", url("https://example.com/foo?param=value&pet=cat")),
    Broken("signed for another host", MISMATCH, "signed Host 'example.com' is not this server (other.example)",
           url("https://other.example/foo?param=value&pet=dog")),
    Broken("changed host", MISMATCH, "signed Host 'evil.example' is not this server (example.com)",
           header("Host", "evil.example")),
    Broken("host header unreadable", FORMAT, "Host header is not a host[:port]: 'example.com:http'",
           header("Host", "example.com:http")),
    Broken("stale date", MISMATCH, "Date 2014-01-05T21:31:40Z is more than 1:00:00",
           later(timedelta(hours=1, seconds=1))),
    Broken("date in the future", MISMATCH, "is more than 1:00:00 away", later(-timedelta(hours=2))),
    Broken("wrong key", MISMATCH, "does not verify with key 'Test'", key(OTHER_RSA.public_key())),
    Broken("ed25519 key for rsa-sha256", MISMATCH, "(Ed25519PublicKey)", key(OTHER_ED25519.public_key())),
    Broken("algorithm rsa-sha1", FORMAT, "unsupported algorithm 'rsa-sha1'",
           edit("Signature", "rsa-sha256", "rsa-sha1")),
    Broken("algorithm hmac-sha256", FORMAT, "unsupported algorithm 'hmac-sha256'",
           edit("Signature", "rsa-sha256", "hmac-sha256")),
    Broken("algorithm ecdsa-sha256", FORMAT, "unsupported algorithm", edit("Signature", "rsa-sha256", "ecdsa-sha256")),
    Broken("header listed but missing", FORMAT, "header 'content-length' is listed in headers= but absent",
           header("Content-Length", None)),
    Broken("digest not covered on POST", FORMAT, "does not cover digest", edit("Signature", " digest", "")),
    Broken("host not covered", FORMAT, "does not cover host", edit("Signature", " host", "")),
    Broken("request-target not covered", FORMAT, "does not cover (request-target)",
           edit("Signature", "(request-target) ", "")),
    Broken("date not covered", FORMAT, "does not cover date or (created)", edit("Signature", " date", "")),
    Broken("digest without sha-256", MISMATCH, "Digest has no sha-256 or sha-512 value (offered: sha)",
           header("Digest", "SHA=bm90IGEgcmVhbCBkaWdlc3Q=")),
    Broken("digest not base64", FORMAT, "Digest 'SHA-256' value is not base64", header("Digest", "SHA-256=***")),
    Broken("digest unreadable", FORMAT, "Digest header is not ALGORITHM=VALUE", header("Digest", "nonsense")),
    Broken("date unreadable", FORMAT, "Date header is not an HTTP date: 'yesterday'", header("Date", "yesterday")),
    Broken("keyId missing", FORMAT, "Signature has no keyId parameter", edit("Signature", 'keyId="Test",', "")),
    Broken("signature not base64", FORMAT, "signature parameter is not base64",
           edit("Signature", 'signature="vSdrb', 'signature="!vSdrb')),
    Broken("parameter twice", FORMAT, "Signature parameter 'keyId' appears twice",
           edit("Signature", 'keyId="Test"', 'keyId="Test",keyId="Other"')),
    Broken("parameters unreadable", FORMAT, "Signature parameters unreadable at character",
           edit("Signature", 'keyId="Test"', 'keyId="Test" oops')),
    Broken("not signed", FORMAT, "request is not signed", header("Signature", None)),
    Broken("authorization with another scheme", FORMAT, "request is not signed",
           header("Signature", None), header("Authorization", "Bearer x")),
]


@pytest.mark.parametrize("case", CAVAGE_BROKEN, ids=[case.name for case in CAVAGE_BROKEN])
async def test_cavage_mutations_of_c3_fail(case: Broken) -> None:
    await case.check(C3)


IN_AUTHORIZATION = (header("Signature", None), header("Authorization", "Signature " + C3.headers["Signature"]))
CAVAGE_ACCEPTED = [
    ("Authorization header instead of Signature", IN_AUTHORIZATION),
    ("lower-case scheme in Authorization", (*IN_AUTHORIZATION, edit("Authorization", "Signature ", "signature "))),
    ("spaces around parameters", (edit("Signature", ",headers=", " , headers = "),)),
    ("algorithm omitted (treated as hs2019)", (edit("Signature", 'algorithm="rsa-sha256",', ""),)),
    ("algorithm hs2019", (edit("Signature", "rsa-sha256", "hs2019"),)),
    ("date at the edge of the window", (later(timedelta(hours=1)),)),
]


@pytest.mark.parametrize(("name", "mutations"), CAVAGE_ACCEPTED, ids=[name for name, _ in CAVAGE_ACCEPTED])
async def test_cavage_c3_variants_that_still_verify(name: str, mutations: tuple[Mutation, ...]) -> None:
    assert (await C3.apply(*mutations).verify()).key_id == "Test"


async def test_cavage_accepts_case_insensitive_multidict_headers() -> None:
    headers = CIMultiDictProxy(CIMultiDict((name.lower(), value) for name, value in C3.headers.items()))
    signer_ = await verify_request(C3.method, C3.url, headers, C3.body, Resolver(CAVAGE_KEY), now=CAVAGE_NOW)
    assert signer_.owner == OWNER


@pytest.mark.parametrize(
    ("host", "target", "same"),
    [
        ("example.com", "https://example.com/inbox", True),
        ("Example.COM:443", "https://example.com/inbox", True),
        ("example.com", "http://example.com:80/inbox", True),
        ("example.com:8443", "https://example.com:8443/inbox", True),
        ("[::1]:8080", "http://[::1]:8080/inbox", True),
        ("example.com:8443", "https://example.com/inbox", False),
        ("example.com", "https://example.com:8443/inbox", False),
        ("www.example.com", "https://example.com/inbox", False),
    ],
)
def test_cavage_signed_host_must_name_this_server(host: str, target: str, same: bool) -> None:
    message = Message.build("POST", target, {"Host": host}, None)
    if same:
        _cavage._check_host(message)
    else:
        with pytest.raises(SignatureMismatch, match="is not this server"):
            _cavage._check_host(message)


# --- draft-cavage (created) / (expires): no published vector uses them validly ------------

PSEUDO_NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
PSEUDO_KEY = generate_ed25519()
CREATED = int(PSEUDO_NOW.timestamp())


def pseudo_request() -> Request:
    """A GET signed by hand with hs2019 over `(request-target) (created) (expires) host`."""
    target, headers = "https://example.com/outbox", {"Host": "example.com"}
    params = {"created": str(CREATED), "expires": str(CREATED + 300)}
    covered = "(request-target) (created) (expires) host"
    signing_string = _cavage.signing_string(Message.build("GET", target, headers, None), covered.split(), params)
    signature = base64.b64encode(signer(PSEUDO_KEY).sign(signing_string)).decode()
    value = (
        f'keyId="k",algorithm="hs2019",headers="{covered}",'
        f'created={CREATED},expires="{CREATED + 300}",signature="{signature}"'
    )
    return Request("GET", target, {**headers, "Signature": value}, None, PSEUDO_NOW, PSEUDO_KEY.public_key())


PSEUDO = pseudo_request()


async def test_cavage_created_and_expires_verify_with_hs2019() -> None:
    assert await PSEUDO.verify() == VerifiedSigner("k", OWNER, "ed25519", "cavage")


PSEUDO_BROKEN = [
    Broken("created too old", MISMATCH, "created 2024-05-01T10:59:59Z is more than 1:00:00 away",
           edit("Signature", f"created={CREATED}", f"created={CREATED - 3601}")),
    Broken("expires in the past", MISMATCH, "signature expired at 2024-05-01T11:59:59Z",
           edit("Signature", f'expires="{CREATED + 300}"', f'expires="{CREATED - 1}"')),
    Broken("created covered but absent", FORMAT, "(created) is covered but the created parameter is missing",
           edit("Signature", f"created={CREATED},", "")),
    Broken("created not an integer", FORMAT, "created parameter is missing or not an integer",
           edit("Signature", f"created={CREATED}", "created=1.5")),
    Broken("created with rsa-sha256", FORMAT, "may not be covered with algorithm rsa-sha256",
           edit("Signature", "hs2019", "rsa-sha256")),
    Broken("created out of range", FORMAT, "created 999999999999999 is not a usable Unix time",
           edit("Signature", f"created={CREATED}", "created=999999999999999")),
]


@pytest.mark.parametrize("case", PSEUDO_BROKEN, ids=[case.name for case in PSEUDO_BROKEN])
async def test_cavage_created_and_expires_rules(case: Broken) -> None:
    await case.check(PSEUDO)


# --- RFC 9421, Appendix B.2 -------------------------------------------------------------------

RFC_NOW = datetime.fromtimestamp(RFC9421["created"], timezone.utc)
RFC_VECTORS = {vector["name"]: vector for vector in RFC9421["vectors"]}
RFC_PUBLIC = {name: vector_key(spec["public"]) for name, spec in RFC9421["keys"].items() if "public" in spec}


def rfc_message() -> Message:
    spec = RFC9421["request"]
    return Message.build(spec["method"], spec["url"], spec["headers"], spec["body"].encode())


def covered(signature_input: str, label: str = "s") -> InnerList:
    """The covered components and parameters of one Signature-Input label."""
    inner = parse_dictionary(signature_input)[label]
    assert isinstance(inner, InnerList)
    return inner


def rfc_parsed(vector: dict) -> tuple[InnerList, bytes]:
    inner = covered(vector["signature_input"], vector["label"])
    signature = parse_dictionary(vector["signature"])[vector["label"]]
    assert isinstance(signature, Item) and isinstance(signature.value, bytes)
    return inner, signature.value


def rfc_request(vector: dict, key_name: str | None = None) -> Request:
    spec = RFC9421["request"]
    headers = {**spec["headers"], "Signature-Input": vector["signature_input"], "Signature": vector["signature"]}
    public = RFC_PUBLIC.get(key_name or vector["key"], OTHER_RSA.public_key())
    return Request(spec["method"], spec["url"], headers, spec["body"].encode(), RFC_NOW, public)


@pytest.mark.parametrize("name", RFC_VECTORS)
def test_rfc9421_signature_base_is_the_published_one(name: str) -> None:
    vector = RFC_VECTORS[name]
    inner, _ = rfc_parsed(vector)
    assert _rfc9421.signature_base(rfc_message(), inner).decode() == "\n".join(vector["base"])


@pytest.mark.parametrize("name", RFC_VECTORS)
def test_rfc9421_published_signature_verifies(name: str) -> None:
    vector = RFC_VECTORS[name]
    inner, signature = rfc_parsed(vector)
    base = _rfc9421.signature_base(rfc_message(), inner)
    if vector["alg"] == "hmac-sha256":  # we refuse HMAC; checking it here proves our base is byte-exact
        secret = base64.b64decode(RFC9421["keys"][vector["key"]]["secret_base64"])
        assert hmac.compare_digest(hmac.new(secret, base, hashlib.sha256).digest(), signature)
    else:
        algorithm = {"rsa-pss-sha512": RSA_PSS_SHA512, "ed25519": ED25519}[vector["alg"]]
        assert algorithm.verifies(RFC_PUBLIC[vector["key"]], signature, base)


def test_rfc9421_ed25519_signing_reproduces_b26() -> None:
    vector = RFC_VECTORS["B.2.6 signing a request using ed25519"]
    private = load_private(TEST_KEYS[RFC9421["keys"]["test-key-ed25519"]["private"]])
    assert private.public_key() == RFC_PUBLIC["test-key-ed25519"]
    inner, signature = rfc_parsed(vector)
    assert signer(private).sign(_rfc9421.signature_base(rfc_message(), inner)) == signature


@pytest.mark.parametrize("name", RFC_VECTORS)
async def test_rfc9421_published_vector_against_our_policy(name: str) -> None:
    vector = RFC_VECTORS[name]
    request = rfc_request(vector)
    if vector["policy"] is None:  # no alg parameter: the RSA key is tried as v1.5, then as PSS
        assert await request.verify() == VerifiedSigner(vector["key"], OWNER, vector["alg"], "rfc9421")
    else:
        await assert_rejected(request, SignatureFormatError, vector["policy"])


B23 = rfc_request(RFC_VECTORS["B.2.3 full coverage using rsa-pss-sha512"])
B23_PARAMS = ';created=1618884473;keyid="test-key-rsa-pss"'

RFC_BROKEN = [
    Broken("changed body", MISMATCH, "Content-Digest sha-512 does not match the body", body(b'{"hello": "World"}')),
    Broken("changed header value", MISMATCH, "does not verify with key 'test-key-rsa-pss'",
           header("Content-Type", "text/plain")),
    Broken("changed path", MISMATCH, "does not verify", url("https://example.com/bar?param=Value&Pet=dog")),
    Broken("changed query", MISMATCH, "does not verify", url("https://example.com/foo?param=Value&Pet=cat")),
    Broken("changed authority", MISMATCH, "does not verify", url("https://evil.example/foo?param=Value&Pet=dog")),
    Broken("stale created", MISMATCH, "created 2021-04-20T02:07:53Z is more than 1:00:00 away",
           later(timedelta(hours=1, seconds=1))),
    Broken("created in the future", MISMATCH, "is more than 1:00:00 away", later(-timedelta(hours=2))),
    Broken("wrong key", MISMATCH, "(RSAPublicKey), even after refetching it", key(OTHER_RSA.public_key())),
    Broken("ed25519 key", MISMATCH, "does not verify", key(OTHER_ED25519.public_key())),
    Broken("alg hmac-sha256", FORMAT, "unsupported alg 'hmac-sha256'",
           edit("Signature-Input", B23_PARAMS, B23_PARAMS + ';alg="hmac-sha256"')),
    Broken("alg ecdsa-p256-sha256", FORMAT, "unsupported alg",
           edit("Signature-Input", B23_PARAMS, B23_PARAMS + ';alg="ecdsa-p256-sha256"')),
    Broken("alg swapped to rsa-v1_5-sha256", MISMATCH, "does not verify",
           edit("Signature-Input", B23_PARAMS, B23_PARAMS + ';alg="rsa-v1_5-sha256"')),
    Broken("alg as a token", FORMAT, "signature parameter alg is not a string",
           edit("Signature-Input", B23_PARAMS, B23_PARAMS + ";alg=ed25519")),
    Broken("expires in the past", MISMATCH, "signature expired at 2021-04-20T02:07:52Z",
           edit("Signature-Input", B23_PARAMS, B23_PARAMS + ";expires=1618884472")),
    Broken("header listed but missing", FORMAT, "covered header 'content-length' is absent",
           header("Content-Length", None)),
    Broken("content-digest not covered", FORMAT, "sig-b23 does not cover content-digest",
           edit("Signature-Input", ' "content-digest"', "")),
    Broken("authority not covered", FORMAT, "does not cover @target-uri (or @authority + @path + @query)",
           edit("Signature-Input", ' "@authority"', "")),
    Broken("query not covered", FORMAT, "does not cover @target-uri", edit("Signature-Input", ' "@query"', "")),
    Broken("method not covered", FORMAT, "does not cover @method", edit("Signature-Input", ' "@method"', "")),
    Broken("no Signature for the label", FORMAT, "Signature has no byte-sequence value for label sig-b23",
           edit("Signature", "sig-b23=", "other=")),
    Broken("Signature header missing", FORMAT, "the signature header is missing", header("Signature", None)),
    Broken("created missing", FORMAT, "lacks the keyid or created parameter",
           edit("Signature-Input", ";created=1618884473", "")),
    Broken("keyid missing", FORMAT, "lacks the keyid or created parameter",
           edit("Signature-Input", ';keyid="test-key-rsa-pss"', "")),
    Broken("Signature-Input unreadable", FORMAT, "signature-input is not a structured dictionary",
           edit("Signature-Input", "sig-b23=(", "sig-b23=((")),
    Broken("Signature-Input empty", FORMAT, "no usable signature in Signature-Input: it is empty",
           header("Signature-Input", "")),
    Broken("Content-Digest without sha-256/512", MISMATCH, "has no sha-256 or sha-512 value (offered: md5)",
           header("Content-Digest", "md5=:AAAA:")),
    Broken("Content-Digest unreadable", FORMAT, "Content-Digest 'sha-512' is not a byte sequence",
           header("Content-Digest", "sha-512=oops")),
    Broken("component with parameters", FORMAT, "component parameters on 'content-type' are not supported: sf",
           edit("Signature-Input", '"content-type"', '"content-type";sf')),
    Broken("component not lowercase", FORMAT, "component name 'Content-Type' is not lowercase",
           edit("Signature-Input", '"content-type"', '"Content-Type"')),
    Broken("component twice", FORMAT, "component '\"date\"' is covered twice",
           edit("Signature-Input", '"date"', '"date" "date"')),
    Broken("response-only component", FORMAT, "unsupported derived component '\"@status\"'",
           edit("Signature-Input", '"date"', '"@status"')),
    Broken("component as a token", FORMAT, "component identifier 'date' is not a string",
           edit("Signature-Input", '"date"', "date")),
]


@pytest.mark.parametrize("case", RFC_BROKEN, ids=[case.name for case in RFC_BROKEN])
async def test_rfc9421_mutations_of_b23_fail(case: Broken) -> None:
    await case.check(B23)


async def test_rfc9421_first_usable_label_is_chosen() -> None:
    b26 = RFC_VECTORS["B.2.6 signing a request using ed25519"]
    request = header("Signature-Input", f"{b26['signature_input']}, {B23.headers['Signature-Input']}")(B23)
    request = header("Signature", f"{b26['signature']}, {B23.headers['Signature']}")(request)
    assert (await request.verify()).key_id == "test-key-rsa-pss"


async def test_rfc9421_is_preferred_over_cavage_signature_params() -> None:
    """With Signature-Input present, a cavage-looking Signature header is not read as cavage."""
    request = header("Signature", C3.headers["Signature"])(B23)
    await assert_rejected(request, SignatureFormatError, "signature is not a structured dictionary")


def test_rfc9421_query_param_rules() -> None:
    message = Message.build("GET", "https://example.com/p?a=1&a=2&b=x%20y+z&c=%7E", {}, None)
    base = _rfc9421.signature_base(message, covered('s=("@query-param";name="b" "@query-param";name="c")'))
    assert base.decode().splitlines()[:2] == ['"@query-param";name="b": x%20y%20z', '"@query-param";name="c": %7E']
    with pytest.raises(SignatureFormatError, match="occurs 2 times"):
        _rfc9421.signature_base(message, covered('s=("@query-param";name="a")'))


DERIVED = [
    ("@method", "GET"),
    ("@target-uri", "https://Example.COM:8443/a/b?x=1&y"),
    ("@authority", "example.com:8443"),
    ("@scheme", "https"),
    ("@request-target", "/a/b?x=1&y"),
    ("@path", "/a/b"),
    ("@query", "?x=1&y"),
]


@pytest.mark.parametrize(("component", "value"), DERIVED)
def test_rfc9421_derived_components(component: str, value: str) -> None:
    message = Message.build("get", "https://Example.COM:8443/a/b?x=1&y#frag", {}, None)
    base = _rfc9421.signature_base(message, covered(f's=("{component}")'))
    assert base.decode().splitlines()[0] == f'"{component}": {value}'


def test_rfc9421_empty_path_and_query() -> None:
    message = Message.build("GET", "https://example.com", {}, None)
    base = _rfc9421.signature_base(message, covered('s=("@path" "@query" "@authority")'))
    assert base.decode().splitlines()[:3] == ['"@path": /', '"@query": ?', '"@authority": example.com']


# --- our own signatures: round trips ------------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
KEY_ID = "https://coffee.example/actor#main-key"
KEYS: dict[str, RSAPrivateKey | Ed25519PrivateKey] = {"rsa": generate_rsa(), "ed25519": generate_ed25519()}
ALGORITHMS = {
    ("cavage", "rsa"): "rsa-sha256",
    ("cavage", "ed25519"): "ed25519",
    ("rfc9421", "rsa"): "rsa-v1_5-sha256",
    ("rfc9421", "ed25519"): "ed25519",
}
POST_BODY = b'{"type": "Follow"}'


def signed(
    scheme: str, kind: str, method: str, target: str, payload: bytes | None, extra: dict[str, str] | None = None
) -> Request:
    headers = sign_request(
        method, target, {"Accept": "application/activity+json", **(extra or {})}, payload,
        key_id=KEY_ID, private_key=KEYS[kind], scheme=scheme, now=NOW,
    )
    return Request(method, target, headers, payload, NOW, KEYS[kind].public_key())


@pytest.mark.parametrize(("scheme", "kind"), ALGORITHMS)
@pytest.mark.parametrize(("method", "payload"), [("GET", None), ("POST", POST_BODY)])
async def test_round_trip(scheme: str, kind: str, method: str, payload: bytes | None) -> None:
    request = signed(scheme, kind, method, "https://coffee.example:8443/inbox?page=2", payload)
    assert await request.verify() == VerifiedSigner(KEY_ID, OWNER, ALGORITHMS[scheme, kind], scheme)
    if payload:
        await assert_rejected(body(b"tampered")(request), SignatureMismatch, "does not match the body")


async def test_round_trip_rejects_get_with_unexpected_body_not_covered() -> None:
    """A body the signature did not cover (no digest) is refused, whichever scheme."""
    for scheme in ("cavage", "rfc9421"):
        request = body(b"smuggled")(signed(scheme, "rsa", "GET", "https://coffee.example/outbox", None))
        await assert_rejected(request, SignatureFormatError, "does not cover")


def test_cavage_headers_we_send() -> None:
    headers = signed("cavage", "rsa", "POST", "https://coffee.example:8443/inbox", POST_BODY).headers
    assert headers["Host"] == "coffee.example:8443"
    assert headers["Date"] == "Wed, 01 May 2024 12:00:00 GMT"
    assert headers["Digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(POST_BODY).digest()).decode()
    assert headers["Signature"].startswith(
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="'
    )
    assert "Content-Digest" not in headers and "Signature-Input" not in headers


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
def test_empty_body_is_no_body(scheme: str) -> None:
    headers = signed(scheme, "rsa", "GET", "https://coffee.example/outbox", b"").headers
    assert not {"Digest", "Content-Digest"} & headers.keys()
    assert "digest" not in headers.get("Signature-Input", headers["Signature"])


@pytest.mark.parametrize(
    ("headers", "covered"),
    [
        ({"Accept": "application/activity+json"}, "(request-target) host date accept"),
        ({}, "(request-target) host date"),
    ],
    ids=["with accept", "without accept"],
)
def test_cavage_get_covers_accept_only_when_present(headers: dict[str, str], covered: str) -> None:
    sent = sign_request(
        "GET", "https://coffee.example/actor", headers, None, key_id=KEY_ID, private_key=KEYS["ed25519"], now=NOW
    )
    assert f'algorithm="hs2019",headers="{covered}"' in sent["Signature"]
    assert "Digest" not in sent


def test_rfc9421_headers_we_send() -> None:
    headers = signed("rfc9421", "ed25519", "POST", "https://coffee.example/inbox", POST_BODY).headers
    assert headers["Content-Digest"] == f"sha-256=:{base64.b64encode(hashlib.sha256(POST_BODY).digest()).decode()}:"
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "host" "date" "content-digest")'
        f';created={int(NOW.timestamp())};keyid="{KEY_ID}";alg="ed25519"'
    )
    assert headers["Signature"].startswith("sig1=:") and headers["Signature"].endswith(":")
    assert "Digest" not in headers
    get = signed("rfc9421", "rsa", "GET", "https://coffee.example/outbox", None).headers
    assert get["Signature-Input"].startswith('sig1=("@method" "@target-uri" "host" "date");')
    assert 'alg="rsa-v1_5-sha256"' in get["Signature-Input"]


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("https://coffee.example/inbox", "coffee.example"),
        ("https://coffee.example:443/inbox", "coffee.example"),
        ("http://coffee.example:80/inbox", "coffee.example"),
        ("https://Coffee.Example:8443/inbox", "coffee.example:8443"),
        ("http://127.0.0.1:8080/inbox", "127.0.0.1:8080"),
        ("http://[::1]:8080/inbox", "[::1]:8080"),
    ],
)
def test_host_is_the_url_authority(target: str, host: str) -> None:
    assert sign_request("GET", target, {}, None, key_id=KEY_ID, private_key=KEYS["rsa"], now=NOW)["Host"] == host


def test_stale_signing_headers_are_replaced_not_repeated() -> None:
    stale = {"host": "old", "date": "old", "digest": "old", "signature": "old", "SIGNATURE-INPUT": "old", "X-Kept": "1"}
    headers = sign_request(
        "POST", "https://coffee.example/inbox", stale, b"{}", key_id=KEY_ID, private_key=KEYS["rsa"], now=NOW
    )
    assert sorted(headers) == ["Date", "Digest", "Host", "Signature", "X-Kept"]


def test_sign_request_refuses_unknown_scheme_and_key_type() -> None:
    with pytest.raises(ValueError, match="unknown signature scheme 'cavage-13'"):
        sign_request("GET", "https://a.example/", {}, None, key_id=KEY_ID, private_key=KEYS["rsa"], scheme="cavage-13")
    with pytest.raises(ValueError, match="cannot sign HTTP requests with a"):
        ec_key = ec.generate_private_key(ec.SECP256R1())
        sign_request("GET", "https://a.example/", {}, None, key_id=KEY_ID, private_key=ec_key)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_verify_accepts_any_header_case(scheme: str) -> None:
    request = signed(scheme, "rsa", "POST", "https://coffee.example/inbox", POST_BODY)
    for headers in (
        {name.lower(): value for name, value in request.headers.items()},
        {name.upper(): value for name, value in request.headers.items()},
        CIMultiDictProxy(CIMultiDict(request.headers)),
    ):
        assert (await replace(request, headers=headers).verify()).scheme == scheme  # type: ignore[arg-type]


# --- query-string compatibility (cavage only, one alternative only) ---------------------

OUTBOX_PAGE_2 = "https://coffee.example/outbox?page=2"

async def test_cavage_falls_back_to_the_path_without_query() -> None:
    """Some servers sign `(request-target)` without the query string; Mastodon accepts that once."""
    request = signed("cavage", "rsa", "GET", "https://coffee.example/outbox", None).apply(url(OUTBOX_PAGE_2))
    assert (await request.verify()).key_id == KEY_ID


async def test_cavage_fallback_is_only_the_bare_path() -> None:
    request = signed("cavage", "rsa", "GET", "https://coffee.example/outbox?page=3", None).apply(url(OUTBOX_PAGE_2))
    await assert_rejected(request, SignatureMismatch, "does not verify")


async def test_rfc9421_has_no_query_fallback() -> None:
    request = signed("rfc9421", "rsa", "GET", "https://coffee.example/outbox", None).apply(url(OUTBOX_PAGE_2))
    await assert_rejected(request, SignatureMismatch, "does not verify")


# --- key refresh: once on failure, never in a loop ----------------------------------------

@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_rotated_key_is_refetched_once(scheme: str) -> None:
    request = signed(scheme, "rsa", "POST", "https://coffee.example/inbox", POST_BODY)
    resolver = Resolver(OTHER_RSA.public_key(), request.key)
    assert (await request.verify(resolver)).owner == OWNER
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_wrong_key_stops_after_one_refetch(scheme: str) -> None:
    request = signed(scheme, "ed25519", "POST", "https://coffee.example/inbox", POST_BODY)
    resolver = Resolver(OTHER_ED25519.public_key())
    with pytest.raises(SignatureMismatch, match="even after refetching it"):
        await request.verify(resolver)
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_good_key_is_fetched_once() -> None:
    request = signed("cavage", "rsa", "GET", "https://coffee.example/outbox", None)
    resolver = Resolver(request.key)
    await request.verify(resolver)
    assert resolver.calls == [(KEY_ID, False)]


@pytest.mark.parametrize(
    "mutate", [later(timedelta(hours=3)), edit("Signature", "rsa-sha256", "rsa-sha1")], ids=["stale", "bad algorithm"]
)
async def test_no_key_fetch_for_requests_rejected_before_cryptography(mutate: Mutation) -> None:
    request = mutate(signed("cavage", "rsa", "GET", "https://coffee.example/outbox", None))
    resolver = Resolver(request.key)
    with pytest.raises(FederationError):
        await request.verify(resolver)
    assert resolver.calls == []
