# One replica of a global table (version 2019.11.21), in the region of the aws
# provider the caller passes in. A replica is a table of its own in its region,
# with its own deletion protection, point-in-time recovery and tags; AWS asks for
# deletion protection "on each replica" (global tables best practices). Provider
# 5.100's `replica {}` block on aws_dynamodb_table cannot set it, so the table
# module ignores that block and each replica is this resource instead.

data "aws_region" "current" {}

resource "aws_dynamodb_table_replica" "this" {
  global_table_arn            = var.table.arn
  deletion_protection_enabled = var.table.deletion_protection_enabled
  point_in_time_recovery      = var.table.point_in_time_recovery_enabled
  kms_key_arn                 = var.table.kms_key_arn
  tags                        = var.table.tags

  lifecycle {
    precondition {
      condition     = data.aws_region.current.name != var.table.region
      error_message = "replica_regions must not contain the table's own region (${var.table.region})."
    }
  }
}
