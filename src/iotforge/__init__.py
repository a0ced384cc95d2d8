"""iotforge: take a firmware project to a fleet of AWS IoT devices and keep it updated.

The library API mirrors the CLI: build `Settings`, then call the functions of `iotforge.api`.
"""

from iotforge.errors import ExitCode, IotforgeError
from iotforge.settings import Settings

__version__ = "0.1.0"

__all__ = ["ExitCode", "IotforgeError", "Settings", "__version__"]
