"""RSA / Ed25519 key material: generation and PEM round-trips."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes


def generate_rsa(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_pem(key: PrivateKeyTypes | PublicKeyTypes) -> str:
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_private(pem: str | bytes) -> PrivateKeyTypes:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return serialization.load_pem_private_key(data, password=None)


def load_public(pem: str | bytes) -> PublicKeyTypes:
    data = pem.encode("ascii") if isinstance(pem, str) else pem
    return serialization.load_pem_public_key(data)


def write_private_key(path: Path, key: PrivateKeyTypes, *, replace: bool = False) -> None:
    """Write a private key readable by its owner only (0600), refusing to overwrite unless `replace`.

    A replacement is written beside the old file and renamed over it, so a reader sees the old
    key or the new one, never half a file, and the file is never readable by others.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = path.with_name(f".{path.name}.new") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(private_pem(key))
        handle.flush()
        os.fsync(handle.fileno())
    if replace:
        os.replace(target, path)


def generate_ed25519() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()
