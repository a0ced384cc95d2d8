"""`iotforge emulator`: a local AWS IoT stand-in, so everything runs without an account."""

from __future__ import annotations

import click

from iotforge.cli.options import global_options
from iotforge.cli.runtime import get_runtime

DEFAULT_PORT = 4566


@click.group()
def emulator() -> None:
    """Run the local AWS emulator (IoT, IAM, S3, STS, Jobs) on 127.0.0.1.

    \b
    Example:
      eval "$(iotforge emulator start --background)"
      iotforge doctor
      iotforge emulator stop
    """


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=DEFAULT_PORT,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0 picks a free port.",
)
@click.option("--background", is_flag=True, help="Detach, wait until it answers, print export lines to eval.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host (other machines can reach it).",
)
@click.option("--latency-ms", type=click.IntRange(0, 60_000), default=0, help="Delay added to every request.")
@click.option(
    "--quotas",
    type=click.Choice(["aws"]),
    default=None,
    help="Throttle at AWS IoT Core's published rates.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Fraction of calls answered with HTTP 500.",
)
@click.option("--seed", type=int, default=None, help="Random seed for --fault-rate.")
@click.option(
    "--expire-credentials-after",
    type=click.IntRange(0),
    default=None,
    help="Answer ExpiredToken after N calls.",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Keep the emulator's state in this folder across restarts (saved on a clean stop).",
)
@global_options
@click.pass_context
def start(
    ctx: click.Context,
    host: str,
    port: int,
    background: bool,
    allow_remote: bool,
    latency_ms: int,
    quotas: str | None,
    fault_rate: float,
    seed: int | None,
    expire_credentials_after: int | None,
    state_dir: str | None,
) -> None:
    """Start the emulator (foreground until Ctrl-C, or --background).

    \b
    Example:
      iotforge emulator start --port 4566 --quotas aws --latency-ms 50
      eval "$(iotforge emulator start --background)"
    """
    runtime = get_runtime(ctx)
    knobs = {
        "latency_ms": latency_ms,
        "quotas": quotas,
        "fault_rate": fault_rate,
        "seed": seed,
        "expire_credentials_after": expire_credentials_after,
    }
    wiring = runtime.wiring
    if background:
        started = wiring.start_background_emulator(host, port, allow_remote, knobs, state_dir)
        exports = wiring.emulator_exports(started.url)
        runtime.render.document(
            {"url": started.url, "pid": started.pid, "environment": exports},
            lambda console: console.print("\n".join(f"export {k}={v}" for k, v in exports.items())),
        )
        return

    def announce(url: str) -> None:
        runtime.render.info(f"iotforge emulator listening on {url} (Ctrl-C stops it)")
        for key, value in wiring.emulator_exports(url).items():
            runtime.render.info(f"  export {key}={value}")

    wiring.serve_emulator(host, port, allow_remote, knobs, announce, state_dir)


@emulator.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Stop only the emulator on this port.",
)
@global_options
@click.pass_context
def stop(ctx: click.Context, port: int | None) -> None:
    """Stop emulators started with --background.

    \b
    Example:
      iotforge emulator stop
    """
    runtime = get_runtime(ctx)
    stopped = runtime.wiring.stop_background_emulators(port)
    runtime.render.document(
        {"stopped": stopped},
        lambda console: console.print(f"stopped {len(stopped)} emulator(s)" if stopped else "no emulator running"),
    )


@emulator.command()
@click.option("--url", default=None, help="Emulator URL (default: --endpoint-url / AWS_ENDPOINT_URL).")
@global_options
@click.pass_context
def ca(ctx: click.Context, url: str | None) -> None:
    """Print the emulator's CA certificate (PEM), to trust its device certificates.

    \b
    Example:
      iotforge emulator ca > emulator-ca.pem
    """
    runtime = get_runtime(ctx)
    pem = runtime.wiring.emulator_ca_pem(url or runtime.settings.endpoint_url)
    runtime.render.document({"certificate_pem": pem}, lambda console: console.out(pem, end=""))
