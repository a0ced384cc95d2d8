"""Put the emulator together: patch moto, build the CA and the routes, wrap moto's app."""

from __future__ import annotations

from iotforge.emulator.app import EmulatorApp
from iotforge.emulator.routes import all_routes
from iotforge.emulator.server import EmulatorOptions
from iotforge.emulator.state import EmulatorState


def build_app(options: EmulatorOptions) -> EmulatorApp:
    from moto.moto_api._internal.models import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    from iotforge.emulator import moto_patches

    state = EmulatorState()
    moto_patches.apply_all(state)
    app = EmulatorApp(
        state=state,
        moto_app=DomainDispatcherApplication(create_backend_app),
        routes=all_routes(),
        reset_moto=moto_api_backend.reset,
        ca_pem=lambda: moto_patches.emulator_ca(state).certificate_pem,
    )
    app.set_knobs(options.knobs)
    return app
