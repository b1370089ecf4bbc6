"""RFC 9421 HTTP Message Signatures on requests: `Signature-Input` + `Signature`.

What Fedify and newer servers send. As with draft-cavage, the sender chooses what to
cover, so we pick the first signature that covers what we require: the method, the
whole target URI (directly, or as authority + path + query), and on a body the
`Content-Digest` header, whose digest we check; `created` must be within the clock window.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from federation._sigbase import (
    ED25519,
    RSA_PSS_SHA512,
    RSA_V1_5_SHA256,
    Algorithm,
    Candidate,
    Message,
    authority,
    base_bytes,
    check_fresh,
    check_not_expired,
    from_timestamp,
    shown,
    signer,
)
from federation.digest import check_content_digest, content_digest_header
from federation.errors import SignatureFormatError
from federation.structured_fields import (
    InnerList,
    Item,
    Member,
    Params,
    ParseError,
    parse_dictionary,
    serialize_dictionary,
    serialize_inner_list,
    serialize_item,
)

_T = TypeVar("_T")

LABEL = "sig1"
# Without `alg` the key decides; for RSA keys the fediverse's PKCS#1 v1.5 is tried first.
_BY_KEY = (RSA_V1_5_SHA256, RSA_PSS_SHA512, ED25519)
_ALGORITHMS = {algorithm.name: algorithm for algorithm in _BY_KEY}
_SIGNED_COMPONENTS = ("@method", "@target-uri", "host", "date")
_FORM_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._")

_DERIVED: dict[str, Callable[[Message], str]] = {
    "@method": lambda message: message.method,
    "@target-uri": lambda message: message.target_uri,
    "@authority": lambda message: authority(message.url),
    "@scheme": lambda message: message.url.scheme.lower(),
    "@request-target": lambda message: message.request_target(),
    "@path": lambda message: message.path,
    "@query": lambda message: f"?{message.url.query}",
}


def signature_base(message: Message, inner: InnerList) -> bytes:
    """The RFC 9421 §2.5 signature base: one line per covered component, then `@signature-params`."""
    lines: list[str] = []
    seen: set[str] = set()
    for item in inner.items:
        identifier = serialize_item(item)
        if identifier in seen:
            raise SignatureFormatError(f"component {shown(identifier)} is covered twice")
        seen.add(identifier)
        lines.append(f"{identifier}: {_component_value(message, item)}")
    lines.append(f'"@signature-params": {serialize_inner_list(inner)}')
    return base_bytes(lines)


def _component_value(message: Message, item: Item) -> str:
    name = item.value
    if type(name) is not str:
        raise SignatureFormatError(f"component identifier {shown(serialize_item(item))} is not a string")
    if name.startswith("@"):
        return _derived_value(message, name, item.params)
    if item.params:
        raise SignatureFormatError(f"component parameters on {shown(name)} are not supported: {';'.join(item.params)}")
    if name != name.lower():
        raise SignatureFormatError(f"component name {shown(name)} is not lowercase")
    value = message.field(name)
    if value is None:
        raise SignatureFormatError(f"covered header {shown(name)} is absent from the request")
    return value


def _derived_value(message: Message, name: str, params: Params) -> str:
    if name == "@query-param" and params.keys() == {"name"}:
        return _query_param(message, params["name"])
    if name in _DERIVED and not params:
        return _DERIVED[name](message)
    raise SignatureFormatError(f"unsupported derived component {shown(serialize_item(Item(name, params)))}")


def _query_param(message: Message, name: object) -> str:
    """RFC 9421 §2.2.8: decode the query as a form, match and give the value re-encoded."""
    if type(name) is not str:
        raise SignatureFormatError("@query-param name is not a string")
    pairs = parse_qsl(message.url.query, keep_blank_values=True)
    values = [value for key, value in pairs if _form_encode(key) == name]
    if len(values) != 1:
        raise SignatureFormatError(f"@query-param {shown(name)} occurs {len(values)} times in the query, not once")
    return _form_encode(values[0])


def _form_encode(text: str) -> str:
    return "".join(chr(byte) if byte in _FORM_SAFE else f"%{byte:02X}" for byte in text.encode("utf-8"))


def prepare(message: Message, now: datetime, max_skew: timedelta) -> Candidate:
    """Pick the signature to check and check everything that needs no key."""
    inputs = _dictionary(message, "signature-input")
    signatures = _dictionary(message, "signature")
    label, inner = _choose(inputs, message)
    signature = signatures.get(label)
    if not isinstance(signature, Item) or not isinstance(signature.value, bytes):
        raise SignatureFormatError(f"Signature has no byte-sequence value for label {label}")
    key_id = _param(inner.params, "keyid", str)
    created = _param(inner.params, "created", int)
    if key_id is None or created is None:
        raise SignatureFormatError(f"signature {label} lacks the keyid or created parameter")
    algorithms = _algorithms(_param(inner.params, "alg", str))
    base = signature_base(message, inner)
    check_fresh("created", from_timestamp("created", created), now, max_skew)
    expires = _param(inner.params, "expires", int)
    if expires is not None:
        check_not_expired(from_timestamp("expires", expires), now)
    if _covers(inner, "content-digest"):
        check_content_digest(message.field("content-digest") or "", message.body or b"")
    return Candidate("rfc9421", key_id, signature.value, (base,), algorithms)


def _dictionary(message: Message, name: str) -> dict[str, Member]:
    value = message.field(name)
    if value is None:
        raise SignatureFormatError(f"Signature-Input is present but the {name} header is missing")
    try:
        return parse_dictionary(value)
    except ParseError as exc:
        raise SignatureFormatError(f"{name} is not a structured dictionary: {exc}") from exc


def _choose(inputs: Mapping[str, Member], message: Message) -> tuple[str, InnerList]:
    """The first signature covering what we require; senders may add others for other verifiers."""
    reasons: list[str] = []
    for label, member in inputs.items():
        if not isinstance(member, InnerList):
            reasons.append(f"{label} is not an inner list")
            continue
        missing = _missing(member, message)
        if not missing:
            return label, member
        reasons.append(f"{label} does not cover {', '.join(missing)}")
    detail = "; ".join(reasons[:3]) + ("; ..." if len(reasons) > 3 else "")
    raise SignatureFormatError(f"no usable signature in Signature-Input: {detail or 'it is empty'}")


def _covers(inner: InnerList, name: str) -> bool:
    return any(item.value == name and not item.params for item in inner.items)


def _missing(inner: InnerList, message: Message) -> list[str]:
    missing = [] if _covers(inner, "@method") else ["@method"]
    if not _covers(inner, "@target-uri"):
        parts = ["@authority", "@path"] + (["@query"] if message.url.query else [])
        if not all(_covers(inner, part) for part in parts):
            missing.append(f"@target-uri (or {' + '.join(parts)})")
    if message.has_body and not _covers(inner, "content-digest"):
        missing.append("content-digest")
    return missing


def _param(params: Params, name: str, kind: type[_T]) -> _T | None:
    """A signature parameter of exactly `kind` (a token is no string, a boolean no integer), or None."""
    value = params.get(name)
    if value is not None and type(value) is not kind:
        raise SignatureFormatError(f"signature parameter {name} is not {'a string' if kind is str else 'an integer'}")
    return value


def _algorithms(alg: str | None) -> tuple[Algorithm, ...]:
    if alg is None:
        return _BY_KEY
    if alg not in _ALGORITHMS:
        raise SignatureFormatError(f"unsupported alg {shown(alg)} (allowed: {', '.join(_ALGORITHMS)})")
    return (_ALGORITHMS[alg],)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKeyTypes,
    now: datetime,
) -> dict[str, str]:
    """`Content-Digest` (on a body), `Signature-Input` and `Signature` for a request carrying Host and Date."""
    added = {"Content-Digest": content_digest_header(body)} if body else {}
    message = Message.build(method, url, {**headers, **added}, body)
    components = _SIGNED_COMPONENTS + (("content-digest",) if body else ())
    key = signer(private_key)
    params: Params = {"created": int(now.timestamp()), "keyid": key_id, "alg": key.algorithm.name}
    inner = InnerList(tuple(Item(name) for name in components), params)
    signature = key.sign(signature_base(message, inner))
    added["Signature-Input"] = serialize_dictionary({LABEL: inner})
    added["Signature"] = serialize_dictionary({LABEL: Item(signature)})
    return added
