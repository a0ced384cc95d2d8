"""Run the emulator: moto plus our routes, on one loopback port, in a thread of this process."""

from __future__ import annotations

import ipaddress
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from iotforge.emulator.knobs import Knobs
from iotforge.errors import BadInputError

DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
# Emulator credentials: not secrets, the emulator accepts any.
EMULATOR_ACCESS_KEY_ID = "AKIAIOTFORGEEMULATOR"
EMULATOR_SECRET_ACCESS_KEY = "iotforge-emulator-secret"  # noqa: S105


@dataclass(frozen=True)
class EmulatorOptions:
    host: str = "127.0.0.1"
    port: int = 0
    knobs: Knobs = field(default_factory=Knobs)
    allow_remote: bool = False
    state_dir: str | None = None


def check_host(host: str, allow_remote: bool) -> None:
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise BadInputError(
            f"refusing to serve the emulator on non-loopback host {host!r}",
            "use --host 127.0.0.1, or add --allow-remote if you really want other machines to reach it",
        )


class Emulator:
    """`with Emulator() as url:` serves the emulator on 127.0.0.1 until the block ends."""

    def __init__(self, options: EmulatorOptions | None = None) -> None:
        self.options = options or EmulatorOptions()
        check_host(self.options.host, self.options.allow_remote)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.app: Any = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> str:
        from werkzeug.serving import make_server

        from iotforge.emulator.assembly import build_app

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.app = build_app(self.options)
        if self.options.state_dir:
            from iotforge.emulator.persistence import load_state

            load_state(Path(self.options.state_dir), self.app.state)
        self._server = make_server(self.options.host, self.options.port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="iotforge-emulator", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._server is not None and self.options.state_dir:
            from iotforge.emulator.persistence import save_state

            save_state(Path(self.options.state_dir), self.app.state)
        self._server = None
        self._thread = None

    def reset(self) -> None:
        self.app.reset()

    def environment(self) -> dict[str, str]:
        """The variables that point an AWS client at this emulator."""
        return emulator_environment(self.url)

    def __enter__(self) -> str:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def emulator_environment(url: str, region: str = DEFAULT_REGION) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": EMULATOR_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_SECRET_ACCESS_KEY,
        "AWS_REGION": region,
    }
