"""The demo's local SMTP catcher: every mail the demo nodes send is saved as `<dir>/NNNN-<to>.eml`.

It runs aiosmtpd in a thread of the demo process, on 127.0.0.1 only; nothing leaves the machine.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _SaveToDir:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        number = len(list(self.directory.glob("*.eml"))) + 1
        to = re.sub(r"[^A-Za-z0-9@._-]", "_", (envelope.rcpt_tos or ["unknown"])[0])[:80]
        (self.directory / f"{number:04d}-{to}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 OK"


def start_catcher(directory: Path, port: int) -> Controller:
    """Start catching on 127.0.0.1:`port`; call `.stop()` on the result to end."""
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(_SaveToDir(directory), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
