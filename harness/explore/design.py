"""The key design as the page shows it: entity colours, key patterns, derived attributes.

Everything here is read from `harness.model.key_design` and the access-pattern
catalog, so the page follows the design when it changes (for example when
aggregates move from parent items to sibling `#stats` items: the names marked as
derived are whatever the key design declares as `derived`).
"""

from __future__ import annotations

from harness.model import access_patterns, key_design

# Twelve distinguishable pastel colours; entity types take them in declaration order.
PALETTE = (
    "#cfe8ff",
    "#ffe3b3",
    "#d6f5d6",
    "#f8d0e0",
    "#e3d9ff",
    "#fff3a8",
    "#c8f0ec",
    "#ffd6c9",
    "#e0e0e0",
    "#d9ecb8",
    "#f2d4ff",
    "#cde0f0",
)
OTHER_COLOUR = "#ffffff"


def colours() -> dict[str, str]:
    """entityType -> CSS colour, one per entity of the key design."""
    return {
        entity.entity_type: PALETTE[position % len(PALETTE)]
        for position, entity in enumerate(key_design.ENTITIES)
    }


def derived_names() -> dict[str, list[str]]:
    """entityType -> the attributes the stream processor derives on items of that type."""
    return {entity.entity_type: list(entity.derived) for entity in key_design.ENTITIES}


def all_derived_names() -> list[str]:
    """Every derived attribute name of the design (for items of an unknown entityType)."""
    seen: dict[str, None] = {}
    for entity in key_design.ENTITIES:
        seen.update(dict.fromkeys(entity.derived))
    return list(seen)


def facets() -> list[dict]:
    """One facet per entity type: its key templates, attributes, derived ones and indexes."""
    palette = colours()
    return [
        {
            "entityType": entity.entity_type,
            "pk": entity.pk,
            "sk": entity.sk,
            "attributes": list(entity.attributes),
            "derived": list(entity.derived),
            "indexes": [index.name for index in entity.indexes],
            "ttl": entity.ttl,
            "colour": palette[entity.entity_type],
        }
        for entity in key_design.ENTITIES
    ]


def indexes() -> list[dict]:
    """Each GSI with its key attributes and the entity types that carry them."""
    return [
        {
            "name": index.name,
            "hashKey": index.hash_key,
            "rangeKey": index.range_key,
            "keyAttributes": list(index.key_attributes),
            "entities": [
                entity.entity_type for entity in key_design.ENTITIES if index in entity.indexes
            ],
        }
        for index in key_design.INDEXES
    ]


def patterns() -> list[dict]:
    """The access-pattern catalog as form definitions: one field per parameter."""
    return [
        {
            "name": pattern.name,
            "purpose": pattern.purpose,
            "index": pattern.index,
            "keyCondition": pattern.describe_key_condition(),
            "filter": pattern.describe_filter(),
            "notes": pattern.notes,
            "params": [
                {
                    "name": param.name,
                    "kind": param.kind,
                    "help": param.help,
                    "required": param.required,
                    "example": pattern.example.get(param.name, ""),
                }
                for param in pattern.params
            ],
        }
        for pattern in access_patterns.PATTERNS
    ]


def page_model() -> dict:
    """Everything the page needs about the design, as one JSON-ready dict."""
    return {
        "table": key_design.TABLE_NAME,
        "partitionKey": key_design.PARTITION_KEY,
        "sortKey": key_design.SORT_KEY,
        "ttlAttribute": key_design.TTL_ATTRIBUTE,
        "colours": colours(),
        "derived": derived_names(),
        "allDerived": all_derived_names(),
        "facets": facets(),
        "indexes": indexes(),
        "patterns": patterns(),
    }
