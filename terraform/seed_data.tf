# Example data for the single-table design: the entities of the key design in README.org,
# one item per line in seed_items.json (plain JSON, strings and numbers), so the tests and
# the access-pattern catalog load exactly what Terraform writes.
#
# Terraform owns every seed item outright. The stream Lambda writes only the aggregate
# items (sk "#stats", entityType courseStats, ...), which are not in the seed, so the
# provider's read-back of a seed item never shows the Lambda's counts as drift, and no
# item needs ignore_changes or a creation order: a student written before its course is
# counted all the same.
#
# Expiry times (expiresAt) lie in 2030: an expired seed item would be deleted by TTL and
# re-created by every apply. No timestamp() either: the seed is fixed data.

locals {
  seed_items_all = jsondecode(file("${path.module}/seed_items.json"))

  # DynamoDB JSON from plain JSON: a value that encodes with quotes is a string (S),
  # anything else a number (N, sent as its decimal text).
  seed_items_dynamodb_json = {
    for key, item in local.seed_items_all : key => jsonencode({
      for name, value in item :
      name => { (startswith(jsonencode(value), "\"") ? "S" : "N") = tostring(value) }
    })
  }
}

resource "aws_dynamodb_table_item" "seed_items" {
  for_each = local.seed_items_dynamodb_json

  table_name = module.table.table_name
  hash_key   = module.table.hash_key
  range_key  = module.table.range_key
  item       = each.value
}

# Stacks applied before the aggregates moved to "#stats" items kept the parents (courses,
# assignments, user profiles, instructors) in a resource of their own; these blocks move
# them into seed_items instead of deleting and re-creating them. The next apply then
# rewrites each parent without the counts the Lambda used to store on it.
moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["course-101"]
  to   = aws_dynamodb_table_item.seed_items["course-101"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["course-102"]
  to   = aws_dynamodb_table_item.seed_items["course-102"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["course-103"]
  to   = aws_dynamodb_table_item.seed_items["course-103"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["course-104"]
  to   = aws_dynamodb_table_item.seed_items["course-104"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["instructor-301"]
  to   = aws_dynamodb_table_item.seed_items["instructor-301"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["instructor-302"]
  to   = aws_dynamodb_table_item.seed_items["instructor-302"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["assignment-a1"]
  to   = aws_dynamodb_table_item.seed_items["assignment-a1"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["assignment-a2"]
  to   = aws_dynamodb_table_item.seed_items["assignment-a2"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["assignment-a3"]
  to   = aws_dynamodb_table_item.seed_items["assignment-a3"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["assignment-a4"]
  to   = aws_dynamodb_table_item.seed_items["assignment-a4"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["user-201"]
  to   = aws_dynamodb_table_item.seed_items["user-201"]
}

moved {
  from = aws_dynamodb_table_item.seed_aggregate_targets["user-202"]
  to   = aws_dynamodb_table_item.seed_items["user-202"]
}
