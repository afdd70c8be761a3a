"""Asynchronous item replication between the regions of a global table.

Every user write to a replicated table is published once it has committed:
the item's state after the write (its attributes, or "gone") is stamped with a
write version and queued for every other region of the group. A worker thread
applies each change after the configured delay, through moto's backend, so the
receiving region's stream shows it like any write there.

Conflicts resolve as in AWS: last writer wins per item, on a timestamp kept in
a side map that no client ever sees. A replicated apply is marked on its
thread and is never published again, so changes do not loop.

One re-entrant lock serialises user writes, replicated applies and replica
creation. moto is not thread-safe anyway, and the lock keeps a version stamp and
the write it stamps together (and a transaction's rollback from erasing a
replicated apply). It relies on stream delivery to Lambda being asynchronous
(the stream_mappings extension), so no write waits on another write's HTTP call.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from harness.emulator.global_tables.groups import ReplicationGroups

LOG = logging.getLogger(__name__)

# (account, region, table, key as canonical JSON)
ItemAddress = tuple[str, str, str, str]
# (nanoseconds, origin region): the origin breaks a tie the clock never makes.
Version = tuple[int, str]


def key_of(table: Any, attrs: dict[str, Any]) -> dict[str, Any]:
    """The primary key of an item, from its attributes or a Key parameter."""
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def canonical(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, default=str)


@dataclass(order=True)
class _Change:
    due: float
    seq: int
    account: str = field(compare=False)
    region: str = field(compare=False)
    table: str = field(compare=False)
    key: dict[str, Any] = field(compare=False)
    image: dict[str, Any] | None = field(compare=False)
    version: Version = field(compare=False)


class _Scope(threading.local):
    """Per-thread state: inside a replicated apply, or collecting a user write's keys."""

    applying: bool = False
    touched: dict[tuple[str, str, str, str], dict[str, Any]] | None = None


class Replicator:
    """Publishes committed writes and applies them in the other regions, later."""

    def __init__(
        self,
        groups: ReplicationGroups,
        delay_seconds: Callable[[], float],
        backends: Callable[[str, str], Any],
    ):
        self.groups = groups
        self.delay_seconds = delay_seconds
        self.backends = backends  # (account, region) -> moto DynamoDBBackend
        self.lock = threading.RLock()
        self._scope = _Scope()
        self._versions: dict[ItemAddress, Version] = {}
        self._last_tick = 0
        self._queue: list[_Change] = []
        self._seq = itertools.count()
        self._wakeup = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- capturing user writes -------------------------------------------

    @property
    def applying(self) -> bool:
        """True on a thread that is applying a replicated change (or a backfill)."""
        return self._scope.applying

    @contextmanager
    def user_write(self) -> Iterator[None]:
        """Run one user request's write; publish what it touched if it commits.

        Nested scopes (a transaction's puts, a PartiQL statement's puts) join the
        outermost one, so a transaction publishes only after it has committed.
        """
        if self._scope.applying or self._scope.touched is not None:
            yield
            return
        with self.lock:
            self._scope.touched = {}
            try:
                yield
                touched = self._scope.touched
            finally:
                self._scope.touched = None
            try:
                self._publish(touched)
            except Exception:  # the write itself succeeded; never fail the user's request
                LOG.exception("publishing a write for replication failed")

    def touched(self, table: Any, key: dict[str, Any]) -> None:
        """Note that `table`'s item `key` changed inside the current user write."""
        if self._scope.applying or self._scope.touched is None or not self.groups.any():
            return
        address = (table.account_id, table.region_name, table.name, canonical(key))
        self._scope.touched[address] = key

    @contextmanager
    def applying_replica(self) -> Iterator[None]:
        """Writes inside this block are replication, not user writes: never published."""
        previous = self._scope.applying
        self._scope.applying = True
        try:
            yield
        finally:
            self._scope.applying = previous

    def _tick(self) -> int:
        self._last_tick = max(time.time_ns(), self._last_tick + 1)
        return self._last_tick

    def _publish(self, touched: dict[ItemAddress, dict[str, Any]]) -> None:
        for (account, region, table_name, key_text), key in touched.items():
            peers = self.groups.peers(account, table_name, region)
            if not peers:
                continue
            table = self.backends(account, region).tables.get(table_name)
            if table is None:
                continue
            version = (self._tick(), region)
            self._versions[(account, region, table_name, key_text)] = version
            image = _image(table, key)
            due = time.monotonic() + self.delay_seconds()
            for peer in peers:
                change = _Change(
                    due,
                    next(self._seq),
                    account,
                    peer,
                    table_name,
                    key,
                    copy.deepcopy(image),
                    version,
                )
                with self._wakeup:
                    heapq.heappush(self._queue, change)
                    self._wakeup.notify()

    # --- applying changes in other regions --------------------------------

    def apply(self, change: _Change) -> bool:
        """Apply one change if it is newer than the region's copy; True if applied."""
        with self.lock:
            if not self.groups.is_member(change.account, change.table, change.region):
                return False
            backend = self.backends(change.account, change.region)
            if change.table not in backend.tables:
                return False
            address = (change.account, change.region, change.table, canonical(change.key))
            current = self._versions.get(address)
            if current is not None and current >= change.version:
                return False  # a later write already landed here: last writer wins
            with self.applying_replica():
                if change.image is None:
                    backend.delete_item(change.table, change.key)
                else:
                    backend.put_item(change.table, change.image)
            self._versions[address] = change.version
            return True

    def copy_versions(self, account: str, table: str, source: str, target: str) -> None:
        """Give a backfilled replica the write versions of the items it copied."""
        with self.lock:
            for (acct, region, name, key_text), version in list(self._versions.items()):
                if (acct, region, name) == (account, source, table):
                    self._versions[(account, target, table, key_text)] = version

    def forget_table(self, account: str, region: str, table: str) -> None:
        """Drop the versions of a table that was deleted in `region`."""
        with self.lock:
            for address in [a for a in self._versions if a[:3] == (account, region, table)]:
                del self._versions[address]

    def pending(self) -> int:
        with self._wakeup:
            return len(self._queue)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                while not self._stopping and (
                    not self._queue or self._queue[0].due > time.monotonic()
                ):
                    timeout = self._queue[0].due - time.monotonic() if self._queue else None
                    self._wakeup.wait(timeout)
                if self._stopping:
                    return
                change = heapq.heappop(self._queue)
            try:
                self.apply(change)
            except Exception:  # one bad change must not stop replication
                LOG.exception("replicating %s to %s failed", change.key, change.region)

    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="global-tables", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reset(self) -> None:
        """Forget queued changes and versions (moto's state was reset)."""
        with self.lock, self._wakeup:
            self._queue.clear()
            self._versions.clear()


def _image(table: Any, key: dict[str, Any]) -> dict[str, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    item = table.get_item(hash_key, range_key)
    return None if item is None else item.to_json()["Attributes"]
