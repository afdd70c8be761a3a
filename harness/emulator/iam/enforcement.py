"""A WSGI layer that authorises every request signed by a role session, as IAM does.

Requests signed with any other key (the learner's, Terraform's: "testing" or an
account id) are an administrator's, as in a sandbox account, and pass untouched.
A request signed by a session of the emulator's STS (a Lambda function's
credentials, or a session the learner assumed) is authorised call by call
(`request_context.calls`) against the role's identity-based policies
(`policy_evaluation`); a denied call is answered with AWS's AccessDeniedException
and never reaches the backend. It sits in front of every data plane, so DynamoDB
Local's calls are checked exactly as moto's.

AWS's answer, as recorded from DynamoDB (HTTP 400, JSON protocol):
  {"__type": "com.amazon.coral.service#AccessDeniedException",
   "Message": "User: arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION is not authorized
   to perform: dynamodb:UpdateItem on resource: arn:aws:dynamodb:REGION:ACCOUNT:table/T
   because no identity-based policy allows the dynamodb:UpdateItem action"}
(aws/aws-sdk-php#1292 for the body's shape; aws/aws-parallelcluster#4367 and
ministryofjustice/modernisation-platform#6789 for the message and status 400.)
An explicit Deny ends "with an explicit deny in an identity-based policy"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html);
an action with no resource-level permissions is named without "on resource"
(that page's codecommit:ListRepositories example). sts:GetCallerIdentity is
always allowed ("No permissions are required", API_GetCallerIdentity.html).

Not checked: the SigV4 signature itself (a session's key with the wrong secret
passes), expiry of the session, resource-based policies, and calls the emulator
cannot name (see `request_context`).
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable

from harness.emulator.iam import principals, request_context
from harness.emulator.iam.policy_evaluation import Decision, Request, UnsupportedCondition

JSON_ACCESS_DENIED = "com.amazon.coral.service#AccessDeniedException"
INVALID_TOKEN = "The security token included in the request is invalid."
ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})


def denial_message(principal_arn: str, action: str, resource: str, decision: Decision) -> str:
    """AWS's AccessDenied text for an identity-based policy's implicit or explicit deny."""
    on_resource = "" if resource == "*" else f" on resource: {resource}"
    head = f"User: {principal_arn} is not authorized to perform: {action}{on_resource}"
    if decision is Decision.EXPLICIT_DENY:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {action} action"


def context_keys(session: principals.Session, region: str) -> dict[str, str]:
    """The global condition keys the emulator knows for a request (aws:... keys)."""
    return {
        "aws:PrincipalArn": session.role_arn,
        "aws:PrincipalAccount": session.account,
        "aws:PrincipalType": "AssumedRole",
        "aws:RequestedRegion": region,
        # The emulator stands for AWS's HTTPS endpoints; AWS's own calls are always TLS.
        "aws:SecureTransport": "true",
    }


def authorize(session: principals.Session, action: str, resource: str, region: str) -> str | None:
    """None when `session` may do `action` on `resource`, else AWS's AccessDenied message."""
    if action in ALWAYS_ALLOWED:
        return None
    decision = session.decide(Request(action, resource, context_keys(session, region)))
    if decision is Decision.ALLOWED:
        return None
    return denial_message(session.arn, action, resource, decision)


class IamEnforcement:
    """WSGI middleware: role sessions' requests are authorised before `app` sees them."""

    def __init__(self, app: Callable, enabled: Callable[[], bool]):
        self.app = app
        self.enabled = enabled

    def __call__(self, environ: dict, start_response: Callable):
        signature = request_context.signature_of(
            environ.get("HTTP_AUTHORIZATION"), environ.get("QUERY_STRING", "")
        )
        if signature is None:
            return self.app(environ, start_response)
        if principals.is_ended(signature.access_key_id):  # a session from before a reset
            return _error(environ, start_response, signature, "invalid-token", INVALID_TOKEN)
        if not self.enabled():
            return self.app(environ, start_response)
        token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        try:
            session = principals.session_of(signature.access_key_id, token)
        except principals.InvalidToken:
            return _error(environ, start_response, signature, "invalid-token", INVALID_TOKEN)
        if session is None:
            return self.app(environ, start_response)
        body = _read_body(environ)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        calls = request_context.calls(
            signature,
            session.account,
            environ.get("REQUEST_METHOD", "GET"),
            environ.get("PATH_INFO", "/"),
            headers,
            body,
        )
        for call in calls or ():
            try:
                message = authorize(session, call.action, call.resource, signature.region)
            except UnsupportedCondition as error:  # say so rather than guess IAM's answer
                message = f"the emulator cannot authorise {call.action}: {error}"
                return _error(environ, start_response, signature, "unsupported", message)
            if message is not None:
                return _error(environ, start_response, signature, "denied", message)
        return self.app(environ, start_response)


def _read_body(environ: dict) -> bytes:
    """The request body, put back so that the wrapped app reads it too."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        body = environ["wsgi.input"].read(length)
    elif environ.get("wsgi.input_terminated"):
        body = environ["wsgi.input"].read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


def _error(environ, start_response, signature, kind: str, message: str):
    """The error in the protocol the caller speaks: JSON, Lambda's REST, or query XML.

    `kind`: "denied" (AccessDenied), "invalid-token", or "unsupported" (HTTP 500).
    """
    request_id = str(uuid.uuid4())
    if kind == "unsupported":
        body = json.dumps({"__type": "InternalFailure", "Message": message}).encode()
        start_response("500 Internal Server Error", [("Content-Type", "application/json")])
        return [body]
    if environ.get("HTTP_X_AMZ_TARGET"):
        code = JSON_ACCESS_DENIED if kind == "denied" else "UnrecognizedClientException"
        body = json.dumps({"__type": code, "Message": message}).encode()
        status, content_type = "400 Bad Request", "application/x-amz-json-1.0"
        extra = []
    elif signature.service == "lambda":
        code = "AccessDeniedException" if kind == "denied" else "UnrecognizedClientException"
        body = json.dumps({"Type": "User", "Message": message}).encode()
        status, content_type = "403 Forbidden", "application/json"
        extra = [("x-amzn-ErrorType", code)]
    else:
        if kind == "denied":
            code = "AuthorizationError" if signature.service == "sns" else "AccessDenied"
        else:
            code = "InvalidClientTokenId"
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{_xml_escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        status, content_type = "403 Forbidden", "text/xml"
        extra = []
    start_response(
        status,
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
            *extra,
        ],
    )
    return [body]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
