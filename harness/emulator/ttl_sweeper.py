"""TTL expiry: delete items whose TTL attribute has passed, as DynamoDB's TTL service does.

moto stores a table's TimeToLive setting and never acts on it. AWS deletes expired items in
the background, some time after they expire, and the REMOVE stream record names the service
as its author. The sweeper runs every `ttl_sweep_interval_seconds` (real seconds) over every
table in every region and account and compares TTL values with the emulator's clock
(harness.emulator.clock: a faster or advanced clock expires items sooner). The deletes go
through moto's backend so the stream sees them, inside `streams.service_deletion()` so the
record carries AWS's userIdentity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from harness.emulator import clock, streams
from harness.emulator.periodic import Worker

log = logging.getLogger(__name__)

# AWS does not delete items whose TTL value is more than five years in the past: such values
# are taken to be mistakes (e.g. milliseconds where seconds belong). ttl-expired-items.html
MAX_PAST_SECONDS = 5 * 365 * 24 * 60 * 60


def expiry_time(item: Item, attribute: str) -> Decimal | None:
    """The item's TTL epoch seconds, or None when the attribute is missing or not a number."""
    value = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return None
    try:
        return Decimal(value.value)
    except InvalidOperation:
        return None


def is_expired(item: Item, attribute: str, now: float) -> bool:
    expires = expiry_time(item, attribute)
    return expires is not None and now - MAX_PAST_SECONDS <= expires < Decimal(str(now))


def _ttl_attribute(table: Table) -> str | None:
    ttl = table.ttl or {}
    if ttl.get("TimeToLiveStatus") != "ENABLED":
        return None
    return ttl.get("AttributeName")


def _key_of(table: Table, item: Item) -> dict[str, Any]:
    key = {table.hash_key_attr: item.hash_key.to_json()}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = item.range_key.to_json()
    return key


def sweep_table(backend: DynamoDBBackend, table: Table, now: float) -> int:
    """Delete the expired items of one table; returns how many were deleted."""
    attribute = _ttl_attribute(table)
    if attribute is None:
        return 0
    expired = [item for item in table.all_items() if is_expired(item, attribute, now)]
    deleted = 0
    for item in expired:
        with streams.service_deletion():
            # The condition keeps a concurrent rewrite with a later TTL from being deleted.
            try:
                backend.delete_item(
                    table.name,
                    _key_of(table, item),
                    expression_attribute_names={"#ttl": attribute},
                    expression_attribute_values={":now": {"N": str(int(now))}},
                    condition_expression="#ttl < :now",
                )
            except Exception as error:  # ConditionalCheckFailed or the table went away
                log.debug("TTL delete skipped in %s: %s", table.name, error)
                continue
        deleted += 1
    return deleted


def sweep_all(now: float | None = None) -> int:
    """One pass over every table in every account and region."""
    now = clock.now() if now is None else now
    deleted = 0
    for _, regions in list(dynamodb_backends.items()):
        for _, backend in list(regions.items()):
            for table in list(backend.tables.values()):
                deleted += sweep_table(backend, table, now)
    return deleted


class TtlSweeper(Worker):
    """A background thread that sweeps at the emulator's configured interval."""

    def __init__(self, interval: Callable[[], float], sweep: Callable[[], int] | None = None):
        super().__init__("ttl-sweeper", interval, sweep or sweep_all)


def install(emulator: Any) -> None:
    """Run the sweeper as an emulator worker (streams are patched so REMOVEs carry identity)."""
    streams.install()
    sweeper = TtlSweeper(lambda: emulator.settings.ttl_sweep_interval_seconds)
    emulator.add_worker(sweeper.start, sweeper.stop)
