"""Body digests: `Digest` (RFC 3230) and `Content-Digest` (RFC 9530), as signatures use them."""

from __future__ import annotations

import base64
import hashlib

import pytest

from federation.digest import check_content_digest, check_digest, content_digest_header, digest_header
from federation.errors import FederationError, SignatureFormatError, SignatureMismatch

BODY = b'{"hello": "world"}'
SHA256 = base64.b64encode(hashlib.sha256(BODY).digest()).decode()
SHA512 = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
WRONG = base64.b64encode(hashlib.sha256(b"other").digest()).decode()


def test_published_values() -> None:
    """draft-cavage-12 Appendix C and RFC 9421 B.2 give these digests of the same body."""
    assert digest_header(BODY) == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    check_content_digest(
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:", BODY
    )


def test_content_digest_header_round_trips() -> None:
    assert content_digest_header(BODY) == f"sha-256=:{SHA256}:"
    check_content_digest(content_digest_header(BODY), BODY)


@pytest.mark.parametrize(
    "value",
    [
        f"SHA-256={SHA256}",
        f"sha-256={SHA256}",
        f"SHA-512={SHA512}",
        f"SHA-256={SHA256}, SHA-512={SHA512}",
        f"MD5=abc=, SHA-256={SHA256}",
    ],
)
def test_digest_accepted(value: str) -> None:
    check_digest(value, BODY)


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        (f"SHA-256={WRONG}", SignatureMismatch, "Digest sha-256 does not match the body"),
        (f"SHA-256={SHA256}, SHA-512={WRONG}", SignatureMismatch, "Digest sha-512 does not match the body"),
        ("MD5=abc=", SignatureMismatch, "Digest has no sha-256 or sha-512 value (offered: md5)"),
        ("SHA-256", SignatureFormatError, "Digest header is not ALGORITHM=VALUE"),
        ("SHA-256=not base64!", SignatureFormatError, "Digest 'SHA-256' value is not base64"),
    ],
)
def test_digest_rejected(value: str, error: type[FederationError], reason: str) -> None:
    with pytest.raises(error, match=reason.replace("(", r"\(").replace(")", r"\)")):
        check_digest(value, BODY)


@pytest.mark.parametrize(
    "value", [f"sha-256=:{SHA256}:", f"sha-512=:{SHA512}:", f"sha-256=:{SHA256}:, sha-512=:{SHA512}:, md5=:AAAA:"]
)
def test_content_digest_accepted(value: str) -> None:
    check_content_digest(value, BODY)


@pytest.mark.parametrize(
    ("value", "error", "reason"),
    [
        (f"sha-256=:{WRONG}:", SignatureMismatch, "Content-Digest sha-256 does not match the body"),
        ("md5=:AAAA:", SignatureMismatch, "Content-Digest has no sha-256 or sha-512 value"),
        (f"sha-256={SHA256}", SignatureFormatError, "Content-Digest is not a structured dictionary"),
        ('sha-256="text"', SignatureFormatError, "Content-Digest 'sha-256' is not a byte sequence"),
        ("sha-256=(:AAAA:)", SignatureFormatError, "Content-Digest 'sha-256' is not a byte sequence"),
    ],
)
def test_content_digest_rejected(value: str, error: type[FederationError], reason: str) -> None:
    with pytest.raises(error, match=reason):
        check_content_digest(value, BODY)
