"""One explicit boto3 session per invocation and the clients made from it."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from iotforge import __version__
from iotforge.aws.errors import translate_errors
from iotforge.errors import CredentialsError, ExitCode
from iotforge.settings import Settings

if TYPE_CHECKING:
    import boto3


def fixed_user_agent() -> str:
    """The SDK's classic User-Agent, built once (boto3 appends Botocore/<version>, then our user_agent_extra).

    Without Config(user_agent=...), botocore rebuilds its structured User-Agent twice per request;
    that was a tenth of the CPU of each call in a 1000-thing provisioning run.
    """
    import platform

    import boto3

    return f"Boto3/{boto3.__version__} Python/{platform.python_version()} {platform.system()}/{platform.release()}"


class AwsSession:
    """Builds clients lazily; nothing touches credentials until a command first calls AWS."""

    def __init__(self, settings: Settings, static_credentials: tuple[str, str] | None = None) -> None:
        self.settings = settings
        self._static_credentials = static_credentials
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def boto_session(self) -> boto3.session.Session:
        if self._session is None:
            import boto3

            with translate_errors("open AWS profile"):
                if self._static_credentials is not None:
                    key, secret = self._static_credentials
                    self._session = boto3.session.Session(
                        aws_access_key_id=key, aws_secret_access_key=secret, region_name=self.settings.region
                    )
                else:
                    self._session = boto3.session.Session(
                        profile_name=self.settings.profile, region_name=self.settings.region
                    )
        return self._session

    @property
    def region(self) -> str:
        region = self.boto_session.region_name
        if not region:
            raise CredentialsError(
                "No AWS region is configured.",
                "Pass --region (for example --region eu-west-1) or set AWS_REGION.",
                exit_code=ExitCode.NOT_CONFIGURED,
            )
        return region

    def client(self, service: str) -> Any:
        """A thread-safe botocore client for `service`, shared by every caller of this session."""
        with self._lock:
            found = self._clients.get(service)
            if found is not None:
                return found
            from botocore.config import Config

            config = Config(
                retries={
                    "mode": self.settings.retry_mode,
                    "max_attempts": self.settings.max_attempts,
                },
                max_pool_connections=self.settings.max_pool_connections,
                user_agent=fixed_user_agent(),
                user_agent_extra=f"iotforge/{__version__}",
                connect_timeout=10,
                read_timeout=60,
            )
            region = self.region
            with translate_errors(f"create {service} client"):
                client = self.boto_session.client(
                    service,  # type: ignore[call-overload]
                    region_name=region,
                    endpoint_url=self.settings.endpoint_url,
                    config=config,
                )
            self._clients[service] = client
            return client
