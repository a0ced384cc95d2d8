"""`python -m iotforge.emulator [--host H] [--port P] [--knobs JSON] [--state-dir DIR]`: no CLI needed."""

from __future__ import annotations

import argparse
import json
import sys

from iotforge.emulator.knobs import Knobs
from iotforge.emulator.runner import serve
from iotforge.emulator.server import DEFAULT_PORT, EmulatorOptions


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m iotforge.emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--knobs", default="{}", help="JSON object of emulator knobs")
    parser.add_argument("--state-dir", default=None, help="keep state in this folder across restarts")
    parser.add_argument("--allow-remote", action="store_true", help="allow a non-loopback --host")
    args = parser.parse_args()
    options = EmulatorOptions(
        host=args.host,
        port=args.port,
        knobs=Knobs().updated(json.loads(args.knobs)),
        allow_remote=args.allow_remote,
        state_dir=args.state_dir,
    )

    def announce(url: str) -> None:
        sys.stdout.write(f"iotforge emulator listening on {url}\n")
        sys.stdout.flush()

    serve(options, announce)


if __name__ == "__main__":
    main()
