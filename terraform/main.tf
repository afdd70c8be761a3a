# The single-table design: the table, the Lambda that keeps its derived data
# current from the stream, and alarms on both. Replicas live in replicas.tf, seed items
# in seed_data.tf.

locals {
  tags = {
    Table = var.table_name
  }
}

module "table" {
  source = "./modules/table"

  name                        = var.table_name
  global_secondary_indexes    = var.global_secondary_indexes
  max_read_request_units      = var.table_max_read_request_units
  max_write_request_units     = var.table_max_write_request_units
  deletion_protection_enabled = var.deletion_protection_enabled
  tags                        = local.tags
}

module "stream_processor" {
  source = "./modules/stream_processor"

  function_name                 = "${var.table_name}-stream-processor"
  table_name                    = module.table.table_name
  table_arn                     = module.table.table_arn
  index_arns                    = values(module.table.index_arns)
  stream_arn                    = module.table.stream_arn
  lambda_zip_path               = var.lambda_zip_path
  log_retention_days            = var.log_retention_days
  batch_size                    = var.stream_batch_size
  maximum_retry_attempts        = var.stream_maximum_retry_attempts
  maximum_record_age_in_seconds = var.stream_maximum_record_age_in_seconds
  tags                          = local.tags
}

module "alarms" {
  source = "./modules/alarms"

  name_prefix        = var.table_name
  table_name         = module.table.table_name
  gsi_names          = module.table.gsi_names
  replica_regions    = var.replica_regions
  function_name      = module.stream_processor.function_name
  failure_queue_name = module.stream_processor.failure_queue_name
  alarm_email        = var.alarm_email
  tags               = local.tags
}
