"""One invocation from start to finish: pick a warm worker (or start one), run, log, answer.

Python runtimes (python3.x) run on the interpreter that runs the emulator (sys.executable),
whatever minor version the function names: these machines have one Python, and boto3 comes
from the emulator's environment just as the Lambda runtime provides it. The INIT_START line in
the function's log says which interpreter ran it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.emulator import iam
from harness.emulator.lambda_runtime import code_cache, function_logs
from harness.emulator.lambda_runtime.bootstrap import OPT_PATHS_VARIABLE, error_document
from harness.emulator.lambda_runtime.function_logs import InvocationLog, report_line
from harness.emulator.lambda_runtime.pool import FunctionSpec, WorkerRegistry
from harness.emulator.lambda_runtime.worker import Worker, WorkerExited, WorkerTimedOut

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction

logger = logging.getLogger(__name__)

UNHANDLED = "Unhandled"
# AWS gives the init phase up to 10 s, separate from the function's Timeout.
INIT_TIMEOUT_SECONDS = 10.0
EVENT_INVOKE_THREADS = 4
# Only with IAM enforcement off, for a role Lambda could not assume (see `_credentials`).
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


@dataclass
class InvocationResult:
    """What one synchronous invocation returned, shaped like the Invoke API's answer."""

    payload: bytes  # JSON bytes returned by the handler, or the error document
    function_error: str | None  # None on success, "Unhandled" on error/timeout
    request_id: str
    duration_ms: float


class Runtime:
    """Runs functions for one emulator: its endpoint, its code cache, its warm workers."""

    def __init__(
        self,
        endpoint_url: str,
        cache_root: Path | None = None,
        registry: WorkerRegistry | None = None,
    ):
        self.endpoint_url = endpoint_url
        self.cache_root = cache_root or code_cache.default_cache_root()
        code_cache.prune(self.cache_root)
        self.registry = registry or WorkerRegistry()
        self._event_pool = ThreadPoolExecutor(EVENT_INVOKE_THREADS, "lambda-event-invoke")
        # Bumped by `shutdown` (an emulator reset): queued Event invocations from before it
        # never run, as the function they name no longer exists.
        self._generation = 0

    def invoke(
        self, function: LambdaFunction, payload: bytes
    ) -> tuple[InvocationResult, InvocationLog]:
        """Run `function` on `payload` synchronously; the log is also published to CloudWatch."""
        spec = FunctionSpec.of(function)
        request_id = str(uuid.uuid4())
        log = InvocationLog()
        unsupported = _unsupported(spec)
        if unsupported:
            document = error_document("Runtime.InvalidRuntime", unsupported)
            return _failed(document, request_id, 0.0), log

        pool = self.registry.pool_for(spec)
        worker = pool.acquire()
        try:
            if worker is None:
                try:
                    worker, failure = self._cold_start(function, spec, request_id, log)
                except iam.RoleCannotBeAssumed:  # the trust policy changed after CreateFunction
                    # AWS's Invoke answer here is undocumented: CreateFunction's text, said so.
                    document = error_document("Runtime.InvalidRole", iam.ROLE_CANNOT_BE_ASSUMED)
                    log.add(f"[ERROR] {iam.ROLE_CANNOT_BE_ASSUMED} ({spec.role_arn})")
                    return _failed(document, request_id, 0.0), log
                except Exception as error:  # unreadable zip, missing code: the sandbox never starts
                    document = error_document("Runtime.InvalidEntrypoint", f"{error}")
                    log.add(f"[ERROR] Runtime.InvalidEntrypoint: {error}")
                    return _failed(document, request_id, 0.0), log
                pool.adopt(worker)
                if failure is not None:
                    return failure, log
            result = self._run(worker, spec, request_id, payload, log)
            return result, log
        finally:
            pool.release(worker)
            stream = (
                worker.log_stream_name
                if worker
                else function_logs.new_log_stream_name(spec.version)
            )
            group = function_logs.log_group_name(spec.function_name)
            if _may_write_logs(spec, group, stream):
                function_logs.publish(spec.account_id, spec.region, group, stream, log)

    def invoke_later(self, function: LambdaFunction, payload: bytes) -> None:
        """InvocationType=Event: queue the invocation and return at once (no retries here)."""
        self._event_pool.submit(self._invoke_logged, function, payload, self._generation)

    def _invoke_logged(self, function: LambdaFunction, payload: bytes, generation: int) -> None:
        if generation != self._generation:
            return
        try:
            self.invoke(function, payload)
        except Exception:
            logger.exception("asynchronous invocation of %s failed", function.function_name)

    def _cold_start(
        self, function: LambdaFunction, spec: FunctionSpec, request_id: str, log: InvocationLog
    ) -> tuple[Worker, InvocationResult | None]:
        """Start a worker; returns it and, when init failed, the invocation's result."""
        stream = function_logs.new_log_stream_name(spec.version)
        task_root = code_cache.unpacked(function.code_bytes, self.cache_root)
        opt_roots = [code_cache.unpacked(data, self.cache_root) for data in _layer_zips(function)]
        worker = Worker(self._environment(spec, task_root, opt_roots, stream), task_root)
        log.add(
            f"INIT_START Runtime Version: python:{sys.version_info.major}.{sys.version_info.minor}"
            f"\tInterpreter: {sys.executable} (emulator's own, for {spec.runtime})"
        )
        started = time.perf_counter()
        try:
            answer = worker.start(INIT_TIMEOUT_SECONDS)
        except (WorkerTimedOut, WorkerExited) as error:
            log.add_all(worker.take_output())
            if isinstance(error, WorkerTimedOut):
                message = f"INIT timed out after {INIT_TIMEOUT_SECONDS:.2f} seconds"
                document = error_document("Sandbox.Timedout", message)
            else:
                message = (
                    f"RequestId: {request_id} Error: Runtime exited with error: {error.reason}"
                )
                document = error_document("Runtime.ExitError", message)
            return worker, self._init_failed(worker, spec, request_id, document, started, log)
        log.add_all(worker.take_output())
        if answer.ok:
            return worker, None
        document = json.loads(answer.body)
        return worker, self._init_failed(worker, spec, request_id, document, started, log)

    def _init_failed(
        self,
        worker: Worker,
        spec: FunctionSpec,
        request_id: str,
        document: dict,
        started: float,
        log: InvocationLog,
    ) -> InvocationResult:
        init_ms = (time.perf_counter() - started) * 1000
        worker.stop()  # AWS discards a sandbox whose init failed; the next invoke retries init
        log.add(
            f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error"
            f"\tError Type: {document['errorType']}"
        )
        log.add(f"START RequestId: {request_id} Version: {spec.version}")
        log.add(f"END RequestId: {request_id}")
        log.add(
            report_line(
                request_id,
                0.0,
                spec.memory_size_mb,
                None,
                status="error",
                error_type=document["errorType"],
            )
        )
        return _failed(document, request_id, init_ms)

    def _run(
        self,
        worker: Worker,
        spec: FunctionSpec,
        request_id: str,
        payload: bytes,
        log: InvocationLog,
    ) -> InvocationResult:
        init_ms, worker.init_ms = worker.init_ms, None  # reported once, on the cold invocation
        log.add(f"START RequestId: {request_id} Version: {spec.version}")
        header = {
            "request_id": request_id,
            "invoked_function_arn": spec.function_arn,
            "deadline_ms": int(time.time() * 1000 + spec.timeout_seconds * 1000),
        }
        started = time.perf_counter()
        status = error_type = None
        try:
            answer = worker.invoke(header, payload, spec.timeout_seconds)
            duration_ms = (time.perf_counter() - started) * 1000
            memory_mb = worker.max_memory_mb()
            log.add_all(worker.take_output())
            if answer.ok:
                result = InvocationResult(answer.body, None, request_id, duration_ms)
            else:
                result = InvocationResult(answer.body, UNHANDLED, request_id, duration_ms)
        except WorkerTimedOut:
            duration_ms = (time.perf_counter() - started) * 1000
            memory_mb = None
            log.add_all(worker.take_output())
            message = f"Task timed out after {spec.timeout_seconds:.2f} seconds"
            log.add(f"{_iso_now()} {request_id} {message}")
            status, error_type = "timeout", None
            document = error_document(
                "Sandbox.Timedout", f"RequestId: {request_id} Error: {message}"
            )
            result = _failed(document, request_id, duration_ms)
        except WorkerExited as error:
            duration_ms = (time.perf_counter() - started) * 1000
            memory_mb = None
            log.add_all(worker.take_output())
            message = f"RequestId: {request_id} Error: Runtime exited with error: {error.reason}"
            log.add(message)
            status, error_type = "error", "Runtime.ExitError"
            result = _failed(error_document(error_type, message), request_id, duration_ms)
        log.add(f"END RequestId: {request_id}")
        log.add(
            report_line(
                request_id, duration_ms, spec.memory_size_mb, memory_mb, init_ms, status, error_type
            )
        )
        return result

    def _environment(
        self, spec: FunctionSpec, task_root: Path, opt_roots: list[Path], log_stream: str
    ) -> dict[str, str]:
        """The function's variables, then the reserved ones AWS sets (which win)."""
        environment = {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8"}
        environment.update(dict(spec.environment))
        environment.update(
            {
                "_HANDLER": spec.handler,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": function_logs.log_group_name(spec.function_name),
                "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "LAMBDA_TASK_ROOT": str(task_root),
                "TZ": ":UTC",
                # boto3 inside the function reaches the emulator, never a real account.
                "AWS_ENDPOINT_URL": self.endpoint_url,
                **_credentials(spec),
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                OPT_PATHS_VARIABLE: os.pathsep.join(str(root) for root in opt_roots),
            }
        )
        return environment

    def shutdown(self) -> None:
        """Kill every worker, busy ones too, and drop queued Event invocations (emulator
        stop, moto reset)."""
        self._generation += 1
        self.registry.kill_all()

    def close(self) -> None:
        self._event_pool.shutdown(wait=False, cancel_futures=True)
        self.shutdown()


def _credentials(spec: FunctionSpec) -> dict[str, str]:
    """The execution role's temporary credentials, from the emulator's STS, as on Lambda.

    The session is named after the function, as Lambda names it, so the function's
    principal is arn:aws:sts::ACCOUNT:assumed-role/ROLE/FUNCTION.
    """
    try:
        return iam.assume_role_for_lambda(spec.role_arn, spec.function_name).environment()
    except iam.RoleCannotBeAssumed:
        if iam.enabled():
            raise
        return dict(DUMMY_CREDENTIALS)


def _may_write_logs(spec: FunctionSpec, group: str, stream: str) -> bool:
    """Whether the execution role lets Lambda write the function's log, as Lambda needs.

    Lambda sends a function's log with its role's logs:CreateLogGroup (when the group
    is missing), logs:CreateLogStream and logs:PutLogEvents; without them the log is
    not sent (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html,
    "Prerequisites"). With IAM enforcement off every log is written.
    """
    if not iam.enabled():
        return True
    from moto.logs.models import logs_backends

    prefix = f"arn:aws:logs:{spec.region}:{spec.account_id}:log-group:{group}"
    needed = [("logs:CreateLogStream", f"{prefix}:log-stream:{stream}")]
    needed.append(("logs:PutLogEvents", f"{prefix}:log-stream:{stream}"))
    if group not in logs_backends[spec.account_id][spec.region].groups:
        needed.append(("logs:CreateLogGroup", prefix))
    try:
        session = iam.service_session(spec.role_arn, spec.function_name)
    except iam.RoleCannotBeAssumed:
        return False
    return all(iam.authorize(session, a, arn, spec.region) is None for a, arn in needed)


def _unsupported(spec: FunctionSpec) -> str | None:
    if spec.package_type != "Zip":
        return f"the emulator runs only Zip functions; {spec.function_name} is {spec.package_type}"
    if not spec.runtime.startswith("python3"):
        return (
            f"the emulator runs only python3.x runtimes; {spec.function_name} "
            f"has {spec.runtime or 'no runtime'}"
        )
    return None


def _layer_zips(function: LambdaFunction) -> list[bytes]:
    from moto.awslambda.utils import get_backend

    backend = get_backend(function.account_id, function.region)
    zips = []
    for layer in function.layers or ():
        version = backend.layers_versions_by_arn(layer["Arn"])
        if version is not None and version.code_bytes:
            zips.append(version.code_bytes)
    return zips


def _failed(document: dict, request_id: str, duration_ms: float) -> InvocationResult:
    return InvocationResult(json.dumps(document).encode(), UNHANDLED, request_id, duration_ms)


def _iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
