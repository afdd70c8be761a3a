"""Policy checks over a Terraform plan JSON: the rules a change must keep to merge.

Each policy is a small function from the plan document (`terraform show -json`)
to a list of violations; an empty list means it holds. They read the planned
state of every managed resource (`resource_changes[].change.after`), plus the
plan's variables, so they need no cloud and run on any plan, local or aws.
Values Terraform only learns at apply time are `null` in the plan and marked
in `after_unknown`; each policy says how it treats them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from harness.review import iam_catalogue, iam_validation
from harness.review.iam_validation import as_list

TABLE = "aws_dynamodb_table"
REPLICA = "aws_dynamodb_table_replica"
ALARM = "aws_cloudwatch_metric_alarm"
LAMBDA = "aws_lambda_function"
REQUIRED_STREAM_VIEW = "NEW_AND_OLD_IMAGES"
REQUIRED_TTL_ATTRIBUTE = "expiresAt"
THROTTLE_METRICS = ("ReadThrottleEvents", "WriteThrottleEvents")
# The only actions a Lambda role may grant on a wildcard resource: writing its own logs.
LOG_WRITE_ACTIONS = frozenset({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"})
LOCAL_ENVIRONMENT = "local"


@dataclass(frozen=True)
class Violation:
    policy: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"[{self.policy}] {self.address}: {self.message}"


@dataclass(frozen=True)
class Planned:
    """One resource (or data source) as it will be after the plan is applied."""

    address: str
    type: str
    mode: str
    module: str
    values: dict
    unknown: dict


def planned(plan: dict, type_: str, mode: str = "managed") -> Iterator[Planned]:
    """Every resource of `type_` that exists after the plan (deleted ones are skipped)."""
    for resource in plan.get("resource_changes", []):
        if resource["type"] != type_ or resource.get("mode", "managed") != mode:
            continue
        change = resource["change"]
        if change.get("after") is None:
            continue
        yield Planned(
            address=resource["address"],
            type=resource["type"],
            mode=resource.get("mode", "managed"),
            module=resource.get("module_address") or "",
            values=change["after"],
            unknown=change.get("after_unknown") or {},
        )


def variable(plan: dict, name: str, default=None):
    return (plan.get("variables") or {}).get(name, {}).get("value", default)


def _block(values: dict, name: str) -> dict:
    """The first (only) nested block `name`, or {} when it is absent."""
    blocks = values.get(name) or []
    return blocks[0] if blocks else {}


def arn_region(arn: str | None) -> str | None:
    """The region field of an ARN (arn:aws:dynamodb:us-west-2:...), None when unknown."""
    parts = (arn or "").split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _provider_region(plan: dict, resource: Planned) -> str | None:
    """The region of the provider configuration a resource is managed through.

    The plan's `configuration` names each resource's provider (`provider_config_key`,
    with a module's passed-in provider already resolved to the caller's) and gives
    that provider's `region` expression: a constant, or a root variable.
    """
    configuration = plan.get("configuration") or {}
    module = configuration.get("root_module") or {}
    calls = [step.split("[")[0] for step in resource.module.split(".")[1::2]]
    for call in calls:
        module = ((module.get("module_calls") or {}).get(call) or {}).get("module") or {}
    local_address = f"{resource.type}.{resource.address.rsplit('.', 1)[-1].split('[')[0]}"
    key = next(
        (
            r.get("provider_config_key")
            for r in module.get("resources") or []
            if r.get("address") == local_address
        ),
        None,
    )
    region = (
        ((configuration.get("provider_config") or {}).get(key) or {})
        .get("expressions", {})
        .get("region", {})
    )
    if "constant_value" in region:
        return region["constant_value"]
    references = [r for r in region.get("references") or [] if r.startswith("var.")]
    return variable(plan, references[0][4:]) if references else None


def replica_resources(plan: dict) -> Iterator[tuple[Planned, str | None]]:
    """Each aws_dynamodb_table_replica with its region: from its ARN when the plan knows
    it, else from its provider's configuration (a replica lives in its provider's
    region, hashicorp/terraform-provider-aws internal/service/dynamodb/table_replica.go)."""
    for replica in planned(plan, REPLICA):
        yield replica, arn_region(replica.values.get("arn")) or _provider_region(plan, replica)


def _replicates(replica: Planned, table: Planned) -> bool:
    """Whether `replica` is a replica of `table`: its global_table_arn names the table,
    or is not known until apply (a table this plan creates; counted as this one)."""
    arn = replica.values.get("global_table_arn")
    return arn is None or arn.rsplit("/", 1)[-1] == table.values.get("name")


def _replica_regions(plan: dict, table: Planned) -> set[str | None]:
    """Regions of the table's replicas: `replica {}` blocks and replica resources."""
    regions = {replica.get("region_name") for replica in table.values.get("replica") or []}
    return regions | {
        region for replica, region in replica_resources(plan) if _replicates(replica, table)
    }


def pitr_enabled(plan: dict) -> list[Violation]:
    """Point-in-time recovery on the table and on every replica (block or resource)."""
    found = []
    for table in planned(plan, TABLE):
        if _block(table.values, "point_in_time_recovery").get("enabled") is not True:
            found.append(Violation("pitr", table.address, "point-in-time recovery is off"))
        for replica in table.values.get("replica") or []:
            if replica.get("point_in_time_recovery") is not True:
                region = replica.get("region_name")
                message = f"point-in-time recovery is off on the replica in {region}"
                found.append(Violation("pitr", table.address, message))
    for replica, region in replica_resources(plan):
        if replica.values.get("point_in_time_recovery") is not True:
            message = f"point-in-time recovery is off on the replica in {region}"
            found.append(Violation("pitr", replica.address, message))
    return found


def sse_enabled(plan: dict) -> list[Violation]:
    """Server-side encryption with a KMS key (AWS-managed or the caller's)."""
    return [
        Violation("sse", table.address, "server_side_encryption is not enabled")
        for table in planned(plan, TABLE)
        if _block(table.values, "server_side_encryption").get("enabled") is not True
    ]


def unprotected_replicas(plan: dict) -> list[tuple[str, str]]:
    """(address, region) of each replica without deletion protection whose table has it.

    A replica is a table of its own with its own DeletionProtectionEnabled, and AWS
    asks for protection "on each replica"
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/globaltables-bestpractices.html).
    Provider 5.100's `replica {}` block has no argument for it and does not copy the
    primary's, so every replica made by that block is unprotected (the address is
    the table's); an aws_dynamodb_table_replica is unprotected unless its
    deletion_protection_enabled is true in the plan (unknown counts as off).
    """
    found = []
    for table in planned(plan, TABLE):
        if table.values.get("deletion_protection_enabled") is not True:
            continue
        found += [
            (table.address, block.get("region_name")) for block in table.values.get("replica") or []
        ]
        found += [
            (replica.address, region)
            for replica, region in replica_resources(plan)
            if _replicates(replica, table)
            and replica.values.get("deletion_protection_enabled") is not True
        ]
    return list(dict.fromkeys(found))


def deletion_protection_outside_local(plan: dict) -> list[Violation]:
    """Deletion protection on every table and every replica unless the environment is local.

    A plan without an `environment` variable counts as non-local: the safe side.
    Replicas made by a `replica {}` block are never protected (provider 5.100 cannot
    set it); aws_dynamodb_table_replica resources must have deletion_protection_enabled.
    """
    environment = variable(plan, "environment")
    if environment == LOCAL_ENVIRONMENT:
        return []
    found = []
    for table in planned(plan, TABLE):
        if table.values.get("deletion_protection_enabled") is not True:
            message = f"deletion protection is off in environment {environment!r}"
            found.append(Violation("deletion_protection", table.address, message))
        found += [
            Violation(
                "deletion_protection",
                table.address,
                f"the replica in {block.get('region_name')} is not deletion-protected "
                "(a replica {} block cannot set it with provider 5.100; use "
                "aws_dynamodb_table_replica)",
            )
            for block in table.values.get("replica") or []
        ]
    found += [
        Violation(
            "deletion_protection",
            replica.address,
            f"the replica in {region} is not deletion-protected",
        )
        for replica, region in replica_resources(plan)
        if replica.values.get("deletion_protection_enabled") is not True
    ]
    return found


def stream_new_and_old_images(plan: dict) -> list[Violation]:
    """A stream with both images: the aggregating Lambda and replication need them."""
    found = []
    for table in planned(plan, TABLE):
        if table.values.get("stream_enabled") is not True:
            found.append(Violation("stream", table.address, "the stream is disabled"))
        elif table.values.get("stream_view_type") != REQUIRED_STREAM_VIEW:
            view = table.values.get("stream_view_type")
            message = f"stream view type is {view}, expected {REQUIRED_STREAM_VIEW}"
            found.append(Violation("stream", table.address, message))
    return found


def ttl_attribute(plan: dict) -> list[Violation]:
    """TTL enabled on expiresAt, the attribute sessions and enrollments carry."""
    found = []
    for table in planned(plan, TABLE):
        ttl = _block(table.values, "ttl")
        if ttl.get("enabled") is not True or ttl.get("attribute_name") != REQUIRED_TTL_ATTRIBUTE:
            got = f"{ttl.get('attribute_name')!r} (enabled={ttl.get('enabled')})"
            message = f"TTL attribute is {got}, expected {REQUIRED_TTL_ATTRIBUTE!r} enabled"
            found.append(Violation("ttl", table.address, message))
    return found


def _alarm_metrics(alarm: Planned) -> Iterator[tuple[str, str, dict]]:
    """(namespace, metric, dimensions) of a plain alarm or of each metric in a query."""
    values = alarm.values
    if values.get("metric_name"):
        yield values.get("namespace"), values["metric_name"], values.get("dimensions") or {}
    for query in values.get("metric_query") or []:
        for metric in query.get("metric") or []:
            yield metric.get("namespace"), metric.get("metric_name"), metric.get("dimensions") or {}


def throttle_alarms(plan: dict) -> list[Violation]:
    """A read and a write throttle alarm for each table and for each of its GSIs."""
    watched = set()
    for alarm in planned(plan, ALARM):
        for namespace, metric, dimensions in _alarm_metrics(alarm):
            if namespace == "AWS/DynamoDB" and metric in THROTTLE_METRICS:
                index = dimensions.get("GlobalSecondaryIndexName")
                watched.add((dimensions.get("TableName"), index, metric))
    found = []
    for table in planned(plan, TABLE):
        name = table.values.get("name")
        indexes = [None] + [gsi["name"] for gsi in table.values.get("global_secondary_index") or []]
        for index in indexes:
            for metric in THROTTLE_METRICS:
                if (name, index, metric) not in watched:
                    scope = f"GSI {index}" if index else "the table"
                    message = f"no {metric} alarm for {scope} of {name}"
                    found.append(Violation("throttle_alarms", table.address, message))
    return found


def alarms_have_actions(plan: dict) -> list[Violation]:
    """Every alarm notifies someone: enabled actions and at least one alarm action.

    An action ARN Terraform learns only at apply (a topic created in the same
    plan) counts as present.
    """
    found = []
    for alarm in planned(plan, ALARM):
        if alarm.values.get("actions_enabled") is False:
            found.append(Violation("alarm_actions", alarm.address, "actions are disabled"))
            continue
        actions = alarm.values.get("alarm_actions") or []
        if not actions and alarm.unknown.get("alarm_actions") is not True:
            found.append(Violation("alarm_actions", alarm.address, "the alarm has no action"))
    return found


def _is_wildcard(resource: str | None) -> bool:
    """True for `*` and for ARNs that match every resource of a kind or account."""
    if resource is None:  # unknown until apply: an ARN of something this plan creates
        return False
    if resource == "*":
        return True
    parts = resource.split(":", 5)
    if len(parts) < 6:
        return True
    _, _, service, region, account, rest = parts
    if "*" in service or "*" in region or "*" in account:
        return True
    kind_and_name = rest.replace(":", "/").split("/")
    return rest == "*" or (len(kind_and_name) >= 2 and kind_and_name[1] == "*")


def _statements(source: Planned) -> Iterator[dict]:
    """Policy statements of a role policy (its JSON) or of a policy document data source."""
    if source.type == iam_validation.POLICY_DOCUMENT_DATA:
        document = iam_validation.document_from_data_source(source.values)
        yield from iam_validation.statements(document)
        return
    document = source.values.get("policy")
    if document:
        yield from iam_validation.statements(json.loads(document))


def _needs_no_resource(pattern: str) -> bool:
    """Log writes, and actions without resource-level permissions (IAM matches them to "*")."""
    if pattern in LOG_WRITE_ACTIONS:
        return True
    actions = iam_catalogue.actions_matching(pattern)
    return bool(actions) and not any(action.resource_level for action in actions)


def lambda_policy_sources(plan: dict) -> Iterator[Planned]:
    """Role policies and policy documents in the module of the Lambda function."""
    modules = {function.module for function in planned(plan, LAMBDA)}
    for type_ in ("aws_iam_role_policy", "aws_iam_policy"):
        yield from (p for p in planned(plan, type_) if p.module in modules)
    documents = planned(plan, "aws_iam_policy_document", mode="data")
    yield from (d for d in documents if d.module in modules)


def lambda_policy_without_wildcards(plan: dict) -> list[Violation]:
    """No `*` resource in the Lambda's permissions, except for writing its own logs
    and for actions that support no resource-level permissions (dynamodb:ListStreams).

    The policies attached in the Lambda's module are read as JSON when the plan
    knows them, and through the `aws_iam_policy_document` data sources they are
    built from when the document is only known at apply.
    """
    found = []
    for source in lambda_policy_sources(plan):
        for statement in _statements(source):
            if statement.get("Effect", "Allow") != "Allow":
                continue
            sid = statement.get("Sid") or "statement"
            if statement.get("NotResource"):
                message = f"{sid} grants NotResource, i.e. everything else"
                found.append(Violation("lambda_policy", source.address, message))
            actions = {a for a in as_list(statement.get("Action")) if not _needs_no_resource(a)}
            wild = [r for r in as_list(statement.get("Resource")) if _is_wildcard(r)]
            if wild and actions:
                granted = ", ".join(sorted(actions))
                message = f"{sid} grants {granted} on wildcard resource {', '.join(wild)}"
                found.append(Violation("lambda_policy", source.address, message))
    return found


def replica_present(plan: dict) -> list[Violation]:
    """Every table has a replica (a `replica {}` block or an aws_dynamodb_table_replica),
    in each region the plan's replica_regions lists."""
    wanted = set(variable(plan, "replica_regions") or [])
    found = []
    for table in planned(plan, TABLE):
        regions = _replica_regions(plan, table)
        if not regions:
            found.append(Violation("replica", table.address, "the table has no replica"))
        for region in sorted(wanted - regions):
            message = f"no replica in {region} (listed in replica_regions)"
            found.append(Violation("replica", table.address, message))
    return found


def iam_documents_valid(plan: dict) -> list[Violation]:
    """Every IAM policy document in the plan passes `iam_validation`'s rules, which read
    AWS's Service Authorization Reference: known actions, each granted on a resource
    type it supports, no "*" where a resource-level permission exists."""
    return [
        Violation("iam_catalogue", where, str(finding))
        for where, finding in iam_validation.validate_plan(plan)
    ]


POLICIES: dict[str, Callable[[dict], list[Violation]]] = {
    "pitr": pitr_enabled,
    "sse": sse_enabled,
    "deletion_protection": deletion_protection_outside_local,
    "stream": stream_new_and_old_images,
    "ttl": ttl_attribute,
    "throttle_alarms": throttle_alarms,
    "alarm_actions": alarms_have_actions,
    "lambda_policy": lambda_policy_without_wildcards,
    "iam_catalogue": iam_documents_valid,
    "replica": replica_present,
}


def check(plan: dict) -> list[Violation]:
    """Every violation of every policy, in the order of POLICIES."""
    return [violation for policy in POLICIES.values() for violation in policy(plan)]


def failing(plan: dict) -> set[str]:
    """Names of the policies the plan breaks."""
    return {name for name, policy in POLICIES.items() if policy(plan)}
