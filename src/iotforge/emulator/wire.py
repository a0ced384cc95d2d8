"""AWS wire formats for the errors the emulator itself produces, per protocol."""

from __future__ import annotations

import json
import uuid
from xml.sax.saxutils import escape

from werkzeug.wrappers import Response

JSON_SERVICES = {"iot", "iot-jobs-data", "signer", "iot-data"}


def error_response(service: str, status: int, code: str, message: str) -> Response:
    """An error shaped the way botocore parses it for `service`'s protocol."""
    request_id = str(uuid.uuid4())
    if service in JSON_SERVICES:
        return Response(
            json.dumps({"message": message}),
            status=status,
            headers={
                "x-amzn-ErrorType": f"{code}:",
                "x-amzn-RequestId": request_id,
                "Content-Type": "application/json",
            },
        )
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    else:
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f"<ErrorResponse><Error><Type>{kind}</Type><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    return Response(body, status=status, headers={"Content-Type": "text/xml"})


def json_response(document: object, status: int = 200) -> Response:
    return Response(
        json.dumps(document, default=str),
        status=status,
        headers={"Content-Type": "application/json", "x-amzn-RequestId": str(uuid.uuid4())},
    )


class AwsFault(Exception):
    """Raised by an emulator handler to answer with an AWS error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
