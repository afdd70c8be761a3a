"""Warm workers per function version, replaced when the function's code or settings change.

AWS keeps an execution environment per concurrent invocation and reuses it while the
function's version, code and configuration stay the same. The emulator does the same with a
small pool per function version: an idle worker is reused, a new one is started only when all
are busy (up to a cap), and any change to the snapshot below retires the old workers so that
UpdateFunctionCode and UpdateFunctionConfiguration take effect on the next invoke.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from harness.emulator.lambda_runtime.worker import Worker

if TYPE_CHECKING:
    from moto.awslambda.models import LambdaFunction

DEFAULT_MAX_WORKERS_PER_FUNCTION = 4


@dataclass(frozen=True)
class FunctionSpec:
    """A snapshot of what shapes a function's execution environment."""

    account_id: str
    region: str
    function_name: str
    version: str
    function_arn: str
    created: str  # a deleted and re-created function gets fresh workers, as in AWS
    runtime: str
    package_type: str
    handler: str
    timeout_seconds: float
    memory_size_mb: int
    code_sha256: str
    environment: tuple[tuple[str, str], ...]
    layer_arns: tuple[str, ...]
    role_arn: str = ""  # a new execution role gets fresh workers with its credentials

    @classmethod
    def of(cls, function: LambdaFunction) -> FunctionSpec:
        return cls(
            account_id=function.account_id,
            region=function.region,
            function_name=function.function_name,
            version=str(function.version),
            function_arn=function.function_arn,
            created=str(function.last_modified),
            runtime=function.run_time or "",
            package_type=function.package_type or "Zip",
            handler=function.handler or "",
            timeout_seconds=float(function.timeout or 3),
            memory_size_mb=int(function.memory_size or 128),
            code_sha256=function.code_sha_256 or "",
            environment=tuple(sorted((function.environment_vars or {}).items())),
            layer_arns=tuple(layer["Arn"] for layer in function.layers or ()),
            role_arn=function.role or "",
        )

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.account_id, self.region, self.function_name, self.version)


class FunctionWorkers:
    """The workers of one function version; lends each to one invocation at a time."""

    def __init__(self, spec: FunctionSpec, max_workers: int):
        self.spec = spec
        self.max_workers = max_workers
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._slots_taken = 0
        self._closed = False
        self._changed = threading.Condition()

    def acquire(self) -> Worker | None:
        """An idle warm worker, or None: the caller owns a free slot and starts a new one."""
        with self._changed:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._slots_taken < self.max_workers:
                    self._slots_taken += 1
                    return None
                self._changed.wait()

    def adopt(self, worker: Worker) -> None:
        """Register a worker started in a slot from `acquire`."""
        with self._changed:
            self._all.add(worker)
            closed = self._closed
        if closed:
            worker.stop()

    def release(self, worker: Worker | None) -> None:
        """Give a worker back after an invocation; dead or retired ones are discarded."""
        with self._changed:
            keep = worker is not None and worker.alive and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._slots_taken -= 1
                self._all.discard(worker)
            self._changed.notify()
        if worker is not None and not keep:
            worker.close()

    def close(self) -> None:
        """Retire the pool: idle workers stop now, busy ones when they are released."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._slots_taken -= len(idle)
            self._all.difference_update(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.close()

    def kill_all(self) -> None:
        """Retire the pool and kill busy workers too (reset, shutdown)."""
        with self._changed:
            busy = list(self._all)
        self.close()
        for worker in busy:
            worker.stop()


class WorkerRegistry:
    """Pools by function version; a changed spec gets a fresh pool."""

    def __init__(self, max_workers_per_function: int = DEFAULT_MAX_WORKERS_PER_FUNCTION):
        self.max_workers_per_function = max_workers_per_function
        self._pools: dict[tuple[str, str, str, str], FunctionWorkers] = {}
        self._lock = threading.Lock()

    def pool_for(self, spec: FunctionSpec) -> FunctionWorkers:
        with self._lock:
            pool = self._pools.get(spec.key)
            if pool is not None and pool.spec == spec:
                return pool
            fresh = FunctionWorkers(spec, self.max_workers_per_function)
            self._pools[spec.key] = fresh
        if pool is not None:
            pool.close()
        return fresh

    def kill_all(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.kill_all()
