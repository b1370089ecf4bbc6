"""The federation exception tree. The node maps each to an HTTP status at its boundary.

SignatureFormatError → 400 (we cannot even read it), SignatureMismatch → 401 (it
does not verify), OriginError → 403 (verified, but not allowed to say that),
BlockedError → 403, FetchError → the remote side failed us.
"""

from __future__ import annotations


class FederationError(Exception):
    """Base of every expected protocol error."""

    status = 400


class MalformedError(FederationError):
    """A document or header we cannot parse (bad JSON, missing id, wrong type)."""

    status = 400


class NotAHandleError(MalformedError):
    """A string given as `user@host` is not one (no @, bad host, forbidden characters)."""

    status = 400


class SignatureFormatError(MalformedError):
    """The signature headers are missing, unparsable, or use an algorithm we do not allow."""

    status = 400


class SignatureMismatch(FederationError):
    """The signature is well-formed but does not verify (wrong key, altered request, stale date, bad digest)."""

    status = 401


class OriginError(FederationError):
    """A verified sender claims something it does not own (another origin's actor or object)."""

    status = 403


class BlockedError(FederationError):
    """The sender's domain is blocked by this node's admins."""

    status = 403


class TooLargeError(FederationError):
    status = 413


class FetchError(FederationError):
    """A remote fetch failed: timeout, bad status, too large, wrong content type, id mismatch."""

    status = 502


class UnreachableError(FetchError):
    """No answer: the name does not resolve, the connection is refused, or it timed out."""

    status = 502


class NotFoundError(FetchError):
    """The server answered, but has no such document (HTTP 404, or no ActivityPub actor for a handle)."""

    status = 502  # for our own callers it is still the remote side failing us


class UnsafeAddressError(FetchError):
    """The target resolves to a private, loopback, link-local or special address and the node does not allow it."""

    status = 400


class GoneError(FetchError):
    """The remote object answered 410 Gone (deleted)."""

    status = 410


class UnsupportedMediaType(MalformedError):
    """The body is not declared as ActivityPub JSON."""

    status = 415


class RateLimited(FederationError):
    """One sender sends faster than we accept; it should retry later."""

    status = 429
