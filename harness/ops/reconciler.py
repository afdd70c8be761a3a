"""The reconciler: recompute every aggregate from its source items, report drift, repair it.

Truth. An aggregate item (sk `#stats`) sums the contributions of the source
items in its own partition, by the stream processor's contract (imported from
lambda_function/stream_processor, so both count the same way). A Scan reads
every item once (a progress bar on large tables) and yields, per aggregate,
the stored values and the true ones.

A Scan is not a snapshot, and records may still be on their way to the
processor, so an aggregate that differs is looked at again, alone:
  1. read the aggregate item (consistent): its sums S and the processor's
     mark M for this partition in the current stream (watermarks): S holds
     exactly the records up to M;
  2. Query its partition (consistent): the true sums T;
  3. read the table's stream to its end: the records above M that change this
     aggregate are in flight; the processor will add their effect P to S. An
     item they touch counts in T as its latest record left it (so a write
     between steps 2 and 3 is in both T and P); any other item as the Query
     saw it (it has not changed since M);
  4. the drift is T - (S + P): zero is `exact`, anything else `drift`.
Repair (`--repair`) writes S + drift in an UpdateItem whose condition is "the
item still holds S and M". When the processor then applies the records in
flight, the aggregate reaches T. The processor's own writes carry the same
kind of condition (every sum and its mark), so the two never overwrite each
other: whichever writes second fails its condition, re-reads and recomputes.
A record written after step 3 is in none of S, P or T, and the processor
applies it on top later, which is exactly right. So repair is safe while
records keep flowing, and needs no quiet moment. The one assumption: the
stream record of a write the Query saw is readable by step 3 (else that item
counts in T but not in P), which is why step 3 waits `settle_seconds` after
step 2 (DynamoDB Streams publish in near real time).

Global tables: aggregate items are written only by the processor in the
primary region, so repair runs there only; `check` may read a replica region
(the marks and the stream are still the primary's).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Context, Decimal

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from tqdm import tqdm

from harness.ops import processor_code
from harness.ops.stream_tail import StreamTail

EXACT = "exact"
DRIFT = "drift"
PENDING = "pending"
UNSTORABLE = "unstorable"
REPAIRED = "repaired"

# Below this many items (DescribeTable's ItemCount) the scan shows no progress bar.
PROGRESS_THRESHOLD = 1000
REPAIRED_AT = "repairedAt"

# Exact for any difference of DynamoDB numbers (their digits span 1E-130 .. 1E+126).
_WIDE = Context(prec=400, Emax=999, Emin=-999)
_serializer = TypeSerializer()


@dataclass
class Aggregate:
    """One aggregate item: what it stores, what its sources say, and the verdict."""

    pk: str
    sk: str
    stored: dict[str, Decimal | None]
    true: dict[str, Decimal | None]
    status: str = EXACT
    note: str = ""
    # What the records in flight will add once the processor applies them.
    in_flight: dict[str, Decimal] = field(default_factory=dict)

    def drift(self, name: str) -> Decimal | None:
        """true - (stored + in flight) for one attribute (None when a side is absent)."""
        stored, true = self.stored.get(name), self.true.get(name)
        if stored is None or true is None:
            return None
        expected = _WIDE.add(stored, self.in_flight.get(name, Decimal(0)))
        return _exact(_WIDE.subtract(true, expected))

    def lines(self) -> list[str]:
        """One line per attribute: stored, true and the drift ("none" when exact)."""
        label = f"{self.pk} {self.sk}"
        lines = []
        for name in self.true:
            stored, true, drift = self.stored.get(name), self.true.get(name), self.drift(name)
            if drift == 0 or (drift is None and stored == true):
                change = "none"
            elif drift is not None:
                change = f"{drift:+}"
            else:
                change = "differs"
            if self.in_flight.get(name):
                change += f" ({self.in_flight[name]:+} in flight)"
            lines.append(
                f"{label:<28} {name:<16} stored {_text(stored):<14} true {_text(true):<14} "
                f"drift {change}"
            )
        if self.status not in (EXACT, DRIFT):
            lines.append(f"{label:<28} {self.status}: {self.note}")
        return lines


@dataclass
class Report:
    """Every aggregate checked, and counts for the summary line."""

    aggregates: list[Aggregate] = field(default_factory=list)
    items_scanned: int = 0

    def with_status(self, *statuses: str) -> list[Aggregate]:
        return [a for a in self.aggregates if a.status in statuses]

    @property
    def drifting(self) -> list[Aggregate]:
        return self.with_status(DRIFT, PENDING, UNSTORABLE)

    def summary(self) -> str:
        counts = {s: len(self.with_status(s)) for s in (EXACT, DRIFT, PENDING, UNSTORABLE)}
        repaired = len(self.with_status(REPAIRED))
        text = (
            f"{len(self.aggregates)} aggregates from {self.items_scanned} items: "
            f"{counts[EXACT]} exact, {counts[DRIFT]} drifting, {counts[PENDING]} pending, "
            f"{counts[UNSTORABLE]} not storable"
        )
        return text + (f", {repaired} repaired" if repaired else "")


class Reconciler:
    """Checks (and repairs) the aggregates of one table in one region.

    `client` is a low-level DynamoDB client in the region whose items are
    checked; `streams_client` reads the processor's stream (primary region), or
    None for a table without a stream (then nothing is ever `pending`).
    """

    def __init__(
        self,
        client,
        table_name: str,
        streams_client=None,
        stream_arn: str | None = None,
        *,
        settle_seconds: float = 0.5,
        attempts: int = 20,
        progress: bool | None = None,
        echo: Callable[[str], None] = print,
    ) -> None:
        self.client = client
        self.table_name = table_name
        self.contract = processor_code.module("contract")
        self.numbers = processor_code.module("dynamodb_numbers")
        self.watermarks = processor_code.module("watermarks")
        self.tail = StreamTail(streams_client, stream_arn) if stream_arn else None
        self.settle_seconds = settle_seconds
        self.attempts = attempts
        self.progress = progress
        self.echo = echo

    # ------------------------------------------------------------ check

    def check(self) -> Report:
        """Scan, compare, and look again at every aggregate that differs."""
        report = Report()
        stored: dict[tuple[str, str], dict] = {}
        sources: dict[tuple[str, str], list[dict]] = {}
        for raw in self._scan(report):
            self._sort(raw, stored, sources)
        for pk, sk in sorted(stored.keys() | sources.keys()):
            key = self.contract.stats_key(pk)
            vectors = [self._contribution(raw, key) for raw in sources.get((pk, sk), [])]
            aggregate = self._compare(pk, sk, stored.get((pk, sk)), vectors)
            if aggregate.status != EXACT:
                aggregate = self._confirm(pk, sk, repair=False)
            report.aggregates.append(aggregate)
        return report

    def repair(self, report: Report) -> Report:
        """Write the true values of every drifting aggregate, fenced (see the module doc)."""
        for position, aggregate in enumerate(report.aggregates):
            if aggregate.status in (DRIFT, PENDING):
                report.aggregates[position] = self._confirm(aggregate.pk, aggregate.sk, True)
        return report

    # ------------------------------------------------------------ reading

    def _scan(self, report: Report) -> Iterable[dict]:
        total = self.client.describe_table(TableName=self.table_name)["Table"].get("ItemCount", 0)
        show = self.progress if self.progress is not None else total >= PROGRESS_THRESHOLD
        with tqdm(
            total=total or None,
            unit=" items",
            desc="scanning",
            disable=not show,
            file=sys.stderr,
            mininterval=0.5,
        ) as bar:
            for page in self.client.get_paginator("scan").paginate(
                TableName=self.table_name, ConsistentRead=True
            ):
                items = page.get("Items", [])
                report.items_scanned += len(items)
                bar.update(len(items))
                yield from items

    def _sort(self, raw: dict, stored: dict, sources: dict) -> None:
        """File one scanned item as an aggregate item or as a source of some."""
        if raw["sk"].get("S") == self.contract.STATS_SK:
            # By key, not entityType: a stray write may have created one without it.
            stored[(raw["pk"]["S"], raw["sk"]["S"])] = _plain(raw)
            return
        try:
            contributions = self.contract.contribution(raw)
        except self.contract.BadImage:
            return  # the processor counts it as nothing, and so do we
        for key in contributions:
            sources.setdefault((key.pk, key.sk), []).append(raw)

    def _read(self, pk: str, sk: str) -> tuple[dict | None, list[dict]]:
        """The aggregate item and its partition's source items, both read consistently."""
        response = self.client.get_item(
            TableName=self.table_name,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True,
        )
        item = _plain(response["Item"]) if "Item" in response else None
        found = []
        for page in self.client.get_paginator("query").paginate(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ConsistentRead=True,
        ):
            found += [raw for raw in page.get("Items", []) if raw["sk"]["S"] != sk]
        return item, found

    # ------------------------------------------------------------ comparing

    def _compare(
        self,
        pk: str,
        sk: str,
        item: dict | None,
        contributions: Iterable[dict[str, Decimal]],
        in_flight: dict[str, Decimal] | None = None,
    ) -> Aggregate:
        """Stored vs true; `contributions` are the source items' vectors for this aggregate."""
        key = self.contract.stats_key(pk)
        item = item or {}
        zero = Decimal(0)
        stored = {name: _number(item.get(name), zero) for name in key.sums}
        totals: dict[str, list[Decimal]] = {name: [] for name in key.sums}
        for vector in contributions:
            for name, value in vector.items():
                totals[name].append(value)
        true = {name: _exact(self.numbers.exact_sum(v)) for name, v in totals.items()}
        aggregate = Aggregate(pk, sk, dict(stored), dict(true), in_flight=in_flight or {})
        try:
            for name, value in true.items():
                true[name] = self.numbers.fit(value, name)
            derived = self.contract.derived(true)
        except self.numbers.NotStorable as error:
            aggregate.status, aggregate.note = UNSTORABLE, str(error)
            return aggregate
        for name, value in derived.items():
            aggregate.true[name] = value
            aggregate.stored[name] = _number(item.get(name), None)
        sums_exact = all(aggregate.drift(name) == 0 for name in key.sums)
        # Derived values are compared only when nothing is in flight (they move with it).
        derived_exact = any(aggregate.in_flight.values()) or all(
            aggregate.stored[name] == value for name, value in derived.items()
        )
        if not (sums_exact and derived_exact):
            aggregate.status = DRIFT
        return aggregate

    def _contribution(self, raw: dict, key) -> dict[str, Decimal]:
        try:
            return self.contract.contribution(raw).get(key, {})
        except self.contract.BadImage:
            return {}  # the processor counts it as nothing, and so do we

    def _confirm(self, pk: str, sk: str, repair: bool) -> Aggregate:
        """Steps 1-4 of the module doc; again when a repair loses the race to the processor."""
        aggregate = None
        for attempt in range(self.attempts):
            if attempt:
                time.sleep(min(0.1 * attempt, 1.0))
            item, sources = self._read(pk, sk)
            vectors, in_flight = self._at_stream_end(pk, sk, item, sources)
            aggregate = self._compare(pk, sk, item, vectors, in_flight)
            if aggregate.status != DRIFT or not repair:
                return aggregate
            try:
                values = self._repaired_values(aggregate)
            except self.numbers.NotStorable as error:
                aggregate.status, aggregate.note = UNSTORABLE, str(error)
                return aggregate
            try:
                self.client.update_item(**self._repair_request(pk, sk, item, values))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    continue  # the processor wrote in between: look again
                raise
            aggregate.status = REPAIRED
            return aggregate
        aggregate.status = PENDING
        aggregate.note = f"the processor kept writing it; gave up after {self.attempts} tries"
        return aggregate

    def _at_stream_end(self, pk, sk, item, sources):
        """Step 3: the source items' contributions as of the end of the stream read, and
        what the records above the processor's mark will add to the stored sums.

        An item some record above the mark touched counts as that item's latest record
        left it (a write after the Query is then included, like the processor will);
        every other item as the Query saw it (unchanged since the mark).
        """
        key = self.contract.stats_key(pk)
        vectors = {raw["sk"]["S"]: self._contribution(raw, key) for raw in sources}
        if self.tail is None:
            return list(vectors.values()), {}
        time.sleep(self.settle_seconds)
        self.tail.refresh()
        marks, _ = self.watermarks.read(item or {})
        mark = marks.get(self.watermarks.entry_name((self.tail.arn, pk)))
        touches = self.tail.after(pk, sk, mark.sequence if mark else None)
        for touch in touches:
            vectors[touch.item_sk] = touch.change.new.get(key, {})
        start = {name: _number((item or {}).get(name), Decimal(0)) for name in key.sums}
        totals = dict(start)
        for touch in touches:  # as the processor will apply them, skips included
            try:
                totals = self.contract.apply(
                    totals, touch.change.old.get(key, {}), touch.change.new.get(key, {})
                )
            except self.numbers.NotStorable:
                continue
        in_flight = {name: _WIDE.subtract(totals[name], start[name]) for name in key.sums}
        return list(vectors.values()), in_flight

    def _repaired_values(self, aggregate: Aggregate) -> dict[str, Decimal | None]:
        """stored + drift for every sum (true minus what is in flight), and what derives."""
        key = self.contract.stats_key(aggregate.pk)
        sums = {
            name: self.numbers.fit(_WIDE.add(aggregate.stored[name], aggregate.drift(name)), name)
            for name in key.sums
        }
        return {**sums, **self.contract.derived(sums)}

    # ------------------------------------------------------------ repairing

    def _repair_request(
        self, pk: str, sk: str, item: dict | None, values: dict[str, Decimal | None]
    ) -> dict:
        """UpdateItem arguments: `values`, if the item still holds what was read."""
        names: dict[str, str] = {"#pk": "pk"}
        # Not `values`: that is the argument, the true values to write.
        placeholders: dict[str, dict] = {}
        sets, removes, conditions = [], [], []

        def value(python_value) -> str:
            placeholder = f":v{len(placeholders)}"
            placeholders[placeholder] = _serializer.serialize(python_value)
            return placeholder

        def name(text: str) -> str:
            placeholder = f"#n{len(names)}"
            names[placeholder] = text
            return placeholder

        key = self.contract.stats_key(pk)
        conditions.append("attribute_exists(#pk)" if item else "attribute_not_exists(#pk)")
        item = item or {}
        if item.get("entityType") != key.entity_type:
            sets.append(f"{name('entityType')} = {value(key.entity_type)}")
        for attribute, true in values.items():
            placeholder = name(attribute)
            if attribute in key.sums:
                if attribute in item:
                    conditions.append(f"{placeholder} = {value(item[attribute])}")
                else:
                    conditions.append(f"attribute_not_exists({placeholder})")
            if true is None:
                removes.append(placeholder)
            else:
                sets.append(f"{placeholder} = {value(true)}")
        sets.append(f"{name(REPAIRED_AT)} = {value(int(time.time()))}")
        mark = self._mark_condition(pk, item, name, value)
        if mark:
            conditions.append(mark)
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        return {
            "TableName": self.table_name,
            "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "UpdateExpression": update,
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": placeholders,
        }

    def _mark_condition(self, pk, item, name, value) -> str | None:
        """The processor's mark for this partition is still the one read."""
        if self.tail is None:
            return None  # no stream, no processor: the sums in the condition fence it
        # Only now: a name in ExpressionAttributeNames that no expression uses is a
        # ValidationException.
        attribute = name(self.watermarks.ATTRIBUTE)
        marks, exists = self.watermarks.read(item)
        if not exists:
            return f"attribute_not_exists({attribute})"
        entry = self.watermarks.entry_name((self.tail.arn, pk))
        path = f"{attribute}.{name(entry)}"
        if entry not in marks:
            return f"attribute_not_exists({path})"
        sequence = name(self.watermarks.SEQUENCE)
        return f"{path}.{sequence} = {value(marks[entry].stored_text)}"


# ------------------------------------------------------------ expected items


def aggregate_items(items: Iterable[dict]) -> list[dict]:
    """The `#stats` items the processor ends up with for `items` (plain Python values).

    What a table holds once its stream is applied, without marks: for loading
    a table the way `invoke setup` leaves it where no processor runs.
    """
    contract = processor_code.module("contract")
    numbers = processor_code.module("dynamodb_numbers")
    sums: dict = {}
    for item in items:
        raw = {name: _serializer.serialize(value) for name, value in item.items()}
        try:
            contributions = contract.contribution(raw)
        except contract.BadImage:
            continue
        for key, vector in contributions.items():
            entry = sums.setdefault(key, {name: [] for name in key.sums})
            for name, value in vector.items():
                entry[name].append(value)
    result = []
    for key in sorted(sums):
        totals = {name: numbers.fit(numbers.exact_sum(v), name) for name, v in sums[key].items()}
        derived = {n: v for n, v in contract.derived(totals).items() if v is not None}
        result.append(
            {"pk": key.pk, "sk": key.sk, "entityType": key.entity_type, **totals, **derived}
        )
    return result


# ------------------------------------------------------------ helpers


def _plain(raw: dict) -> dict:
    # The processor's reading: DynamoDB writes 9E+125 with 126 digits (see `shortest`).
    return processor_code.module("store").plain(raw)


def _number(value: object, default: Decimal | None) -> Decimal | None:
    return value if isinstance(value, Decimal) else default


def _exact(value: Decimal) -> Decimal:
    return Decimal(0) if value.is_zero() else value.normalize(_WIDE)


def _text(value: Decimal | None) -> str:
    return "-" if value is None else str(value)


# ------------------------------------------------------------ the task's entry point


def reconcile(
    target,
    table_name: str,
    *,
    region: str | None = None,
    repair: bool = False,
    confirm: Callable[[Report], bool] | None = None,
    drift_only: bool = False,
    echo: Callable[[str], None] = print,
) -> Report:
    """Check every aggregate of `table_name` on `target`; with `repair`, fix the drift.

    `region` (default: the target's primary region) is where items are read;
    repair is refused anywhere but the primary region, the only region whose
    aggregate items are written (by the processor, and by this repair).
    `confirm(report)` is asked before repairing (None: do not ask).
    Prints one line per aggregate attribute (only the differing ones with
    `drift_only`) and a summary line; returns the Report.
    """
    from harness import HarnessError

    region = region or target.region
    if repair and region != target.region:
        raise HarnessError(
            f"repair writes aggregate items, which only the primary region {target.region} "
            f"writes; run it there (--region {target.region}), replicas follow"
        )
    primary = target.client("dynamodb", target.region)
    stream_arn = primary.describe_table(TableName=table_name)["Table"].get("LatestStreamArn")
    reconciler = Reconciler(
        target.client("dynamodb", region),
        table_name,
        target.client("dynamodbstreams", target.region) if stream_arn else None,
        stream_arn,
        echo=echo,
    )
    report = reconciler.check()
    _print(report, drift_only, echo)
    if repair and report.with_status(DRIFT, PENDING):
        if confirm is not None and not confirm(report):
            echo("repair cancelled; nothing was written")
            return report
        reconciler.repair(report)
        for aggregate in report.with_status(REPAIRED):
            echo(f"repaired {aggregate.pk} {aggregate.sk}")
        echo(report.summary())
    return report


def _print(report: Report, drift_only: bool, echo: Callable[[str], None]) -> None:
    for aggregate in report.aggregates:
        if drift_only and aggregate.status == EXACT:
            continue
        for line in aggregate.lines():
            echo(line)
    echo(report.summary())


def ask_before_repair(
    report: Report, input_fn: Callable[[str], str] = input, echo: Callable[[str], None] = print
) -> bool:
    """True when the user types `repair` (aws target): repair writes to a live table."""
    count = len(report.with_status(DRIFT, PENDING))
    echo(f"About to write the true values of {count} aggregate item(s) in this AWS account.")
    try:
        answer = input_fn("Type 'repair' to go ahead: ")
    except EOFError:
        answer = ""
    return answer.strip() == "repair"
