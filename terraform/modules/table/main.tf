# The single table of the design: generic pk/sk keys, overloaded GSIs, TTL, PITR,
# encryption and a stream for the aggregating Lambda. Its replicas in other regions are
# modules/table_replica, one per region (see the comment on `lifecycle` below).

data "aws_region" "current" {}

locals {
  # Every key of the table and its indexes needs an attribute definition, and no
  # other attribute may have one; derive them so adding an index is one entry.
  key_attributes = concat(
    [{ name = var.hash_key, type = "S" }, { name = var.range_key, type = "S" }],
    [for index in var.global_secondary_indexes : { name = index.hash_key, type = index.hash_key_type }],
    [
      for index in var.global_secondary_indexes : { name = index.range_key, type = index.range_key_type }
      if index.range_key != null
    ],
  )
  attribute_types = { for attribute in local.key_attributes : attribute.name => attribute.type... }
  attributes      = { for name, types in local.attribute_types : name => types[0] }
}

resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.hash_key
  range_key    = var.range_key

  deletion_protection_enabled = var.deletion_protection_enabled

  # A point-in-time restore of another table (null: a new, empty table). The restore
  # brings items, keys, indexes, billing and encryption; the provider then sets the
  # stream, TTL, PITR, deletion protection and tags below, which a restore leaves out
  # (API_RestoreTableToPointInTime); replicas are added by modules/table_replica.
  restore_source_name    = var.restore_source_name
  restore_date_time      = var.restore_date_time
  restore_to_latest_time = var.restore_to_latest_time
  stream_enabled         = true
  stream_view_type       = var.stream_view_type

  dynamic "attribute" {
    for_each = local.attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  dynamic "global_secondary_index" {
    for_each = var.global_secondary_indexes
    iterator = index
    content {
      name               = index.value.name
      hash_key           = index.value.hash_key
      range_key          = index.value.range_key
      projection_type    = index.value.projection_type
      non_key_attributes = length(index.value.non_key_attributes) > 0 ? index.value.non_key_attributes : null

      dynamic "on_demand_throughput" {
        for_each = index.value.max_read_request_units != null || index.value.max_write_request_units != null ? [index.value] : []
        content {
          max_read_request_units  = on_demand_throughput.value.max_read_request_units
          max_write_request_units = on_demand_throughput.value.max_write_request_units
        }
      }
    }
  }

  # An optional ceiling on what the table may consume per second (on-demand maximum
  # throughput); requests above it are throttled instead of billed.
  dynamic "on_demand_throughput" {
    for_each = var.max_read_request_units != null || var.max_write_request_units != null ? [1] : []
    content {
      max_read_request_units  = var.max_read_request_units
      max_write_request_units = var.max_write_request_units
    }
  }

  # Off keeps the attribute name: UpdateTimeToLive refuses an empty name on AWS
  # (ValidationException), with TTL on or off.
  ttl {
    attribute_name = var.ttl_attribute_name
    enabled        = var.ttl_enabled
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags

  lifecycle {
    # Replicas are aws_dynamodb_table_replica resources (modules/table_replica): provider
    # 5.100's `replica {}` block cannot set a replica's deletion protection. The provider's
    # docs for that resource ask for this: without it every plan would remove the replicas.
    ignore_changes = [replica]

    precondition {
      condition     = alltrue([for types in values(local.attribute_types) : length(distinct(types)) == 1])
      error_message = "A key attribute is used with two different types across the table and its indexes."
    }
    precondition {
      condition     = var.restore_source_name != null || (var.restore_date_time == null && var.restore_to_latest_time == null)
      error_message = "restore_date_time and restore_to_latest_time need restore_source_name."
    }
    precondition {
      condition     = var.restore_source_name == null || ((var.restore_date_time != null) != (var.restore_to_latest_time == true))
      error_message = "A restore needs exactly one of restore_date_time or restore_to_latest_time = true."
    }
  }
}
