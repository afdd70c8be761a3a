# Example data for the single-table design: the nine entities of the key design in
# README.org, one item per line in seed_items.json (plain JSON, strings and numbers), so
# the tests and the access-pattern catalog load exactly what Terraform writes.
#
# Two resources, split by who else writes the item:
# - seed_aggregate_targets: course, assignment, userProfile and instructor items. The
#   stream Lambda adds derived attributes to them (studentCount, submissionCount,
#   averageGrade, orderCount, totalSpent, courseCount, ...). The provider reads the whole
#   item back, so without ignore_changes the next plan would show drift and "fix" it with
#   a PutItem that wipes the aggregates. Consequence: editing one of these items in
#   seed_items.json later needs `terraform apply -replace=...` (or a new key).
# - seed_items: everything else. Terraform alone writes them, so it keeps managing them
#   fully. They are created after the aggregate targets: their stream records make the
#   Lambda update the parents, and a parent created after that update would lose it (the
#   provider creates items with attribute_not_exists, so the apply would even fail).
#
# Expiry times (expiresAt) lie in 2030: an expired seed item would be deleted by TTL and
# re-created by every apply. No timestamp() either: the seed is fixed data.

locals {
  seed_items_all = jsondecode(file("${path.module}/seed_items.json"))

  # Entity types whose items the stream Lambda updates with derived attributes.
  aggregate_entity_types = ["course", "assignment", "userProfile", "instructor"]

  # DynamoDB JSON from plain JSON: a value that encodes with quotes is a string (S),
  # anything else a number (N, sent as its decimal text).
  seed_items_dynamodb_json = {
    for key, item in local.seed_items_all : key => jsonencode({
      for name, value in item :
      name => { (startswith(jsonencode(value), "\"") ? "S" : "N") = tostring(value) }
    })
  }

  seed_aggregate_target_keys = [
    for key, item in local.seed_items_all : key
    if contains(local.aggregate_entity_types, item.entityType)
  ]
}

resource "aws_dynamodb_table_item" "seed_aggregate_targets" {
  for_each = {
    for key, item in local.seed_items_dynamodb_json : key => item
    if contains(local.seed_aggregate_target_keys, key)
  }

  table_name = module.table.table_name
  hash_key   = module.table.hash_key
  range_key  = module.table.range_key
  item       = each.value

  lifecycle {
    # The Lambda owns the derived attributes of these items; see the header comment.
    ignore_changes = [item]
  }
}

resource "aws_dynamodb_table_item" "seed_items" {
  for_each = {
    for key, item in local.seed_items_dynamodb_json : key => item
    if !contains(local.seed_aggregate_target_keys, key)
  }

  table_name = module.table.table_name
  hash_key   = module.table.hash_key
  range_key  = module.table.range_key
  item       = each.value

  depends_on = [aws_dynamodb_table_item.seed_aggregate_targets]
}
