"""Uploaded pictures: decoded, checked and re-encoded before anything is stored.

Nothing the client sent is written as-is: the bytes go through Pillow, metadata
(EXIF, GPS, ICC, comments) is dropped by re-encoding only the pixels, and the file
gets a random name, so a media URL reveals nothing and cannot be guessed.
"""

from __future__ import annotations

import io
import re
import secrets
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from node.errors import InvalidInput, TooLarge

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SIDE = 512  # profile pictures
EVENT_SIDE = 1600  # event pictures (shown wide on the event page and by other servers)
# 40 megapixels covers any phone photo. Checked per call from the header, before decoding,
# rather than by lowering Pillow's process-wide Image.MAX_IMAGE_PIXELS; Pillow's own
# DecompressionBombError still guards anything past twice its default.
MAX_PIXELS = 40_000_000
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
CONTENT_TYPE = "image/webp"
NAME_RE = re.compile(r"^[A-Za-z0-9_-]{32}\.webp$")


def save_picture(media_dir: Path, data: bytes, declared_type: str | None, *, field: str = "avatar",
                 max_side: int = MAX_SIDE) -> str:
    """Store `data` as a WebP picture at most `max_side` pixels wide and high; return its new file name.

    `declared_type` (the upload's Content-Type) only rules out obvious non-images;
    the decoded format decides. Errors name `field`, the form field of the upload.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise TooLarge("The picture is too large (at most %(mb)s MB).", field=field, mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    if declared_type and not declared_type.startswith("image/") and declared_type != "application/octet-stream":
        raise _not_a_picture(field)
    image = _decode(data, field, max_side)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=85, method=4)
    name = f"{secrets.token_urlsafe(24)}.webp"
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / name).write_bytes(buffer.getvalue())
    return name


def _not_a_picture(field: str) -> InvalidInput:
    return InvalidInput("This file is not a picture. Use a JPEG, PNG, WebP or GIF image.", field=field)


def _decode(data: bytes, field: str, max_side: int) -> Image.Image:
    """The first frame of a real JPEG/PNG/WebP/GIF, upright, in RGB(A), at most max_side × max_side."""
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            probe.verify()  # structure and checksums; the object is unusable afterwards
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        if image.width * image.height > MAX_PIXELS:
            raise InvalidInput("This picture has too many pixels.", field=field)
        image.seek(0)  # animated GIF/WebP: the first frame
        image.draft("RGB", (max_side * 2, max_side * 2))  # JPEG: decode at a reduced scale
        image.load()
        image = ImageOps.exif_transpose(image)  # phones store the rotation in EXIF, which we drop
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")  # drops the palette, ICC and EXIF
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except Image.DecompressionBombError:
        raise InvalidInput("This picture has too many pixels.", field=field) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _not_a_picture(field) from None
    return image


def delete_picture(media_dir: Path, name: str | None) -> None:
    """Remove a picture that is no longer used (a missing file is fine: the goal is reached)."""
    if name and NAME_RE.match(name):
        (media_dir / name).unlink(missing_ok=True)


def media_path(media_dir: Path, name: str) -> Path | None:
    """The file behind `/media/{name}`, only for names we generate (no traversal, no other files)."""
    if not NAME_RE.match(name):
        return None
    path = media_dir / name
    return path if path.is_file() else None
