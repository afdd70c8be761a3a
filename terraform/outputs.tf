output "aws_region" {
  description = "Primary region of the stack."
  value       = var.aws_region
}

output "table_name" {
  description = "Name of the single table."
  value       = module.table.table_name
}

output "table_arn" {
  description = "ARN of the table in the primary region."
  value       = module.table.table_arn
}

output "table_stream_arn" {
  description = "ARN of the table's stream in the primary region."
  value       = module.table.stream_arn
}

output "table_gsi_names" {
  description = "Names of the table's global secondary indexes."
  value       = module.table.gsi_names
}

output "table_hash_key" {
  description = "Partition key attribute of the table."
  value       = module.table.hash_key
}

output "table_range_key" {
  description = "Sort key attribute of the table."
  value       = module.table.range_key
}

output "replica_regions" {
  description = "Regions holding a replica of the table."
  value       = sort([for replica in local.replicas : replica.region])
}

output "replicas_deletion_protected" {
  description = "Whether DeleteTable is refused on each replica, by region."
  value       = { for replica in local.replicas : replica.region => replica.deletion_protection_enabled }
}

output "function_name" {
  description = "Name of the stream-processing Lambda function."
  value       = module.stream_processor.function_name
}

output "function_log_group_name" {
  description = "CloudWatch log group of the stream-processing function."
  value       = module.stream_processor.log_group_name
}

output "event_source_mapping_uuid" {
  description = "UUID of the mapping from the table's stream to the function."
  value       = module.stream_processor.event_source_mapping_uuid
}

output "failure_queue_url" {
  description = "URL of the SQS queue holding records of batches the function could not process."
  value       = module.stream_processor.failure_queue_url
}

output "failure_queue_arn" {
  description = "ARN of the failure queue."
  value       = module.stream_processor.failure_queue_arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = module.alarms.topic_arn
}

output "alarm_names" {
  description = "Names of every CloudWatch alarm of the stack."
  value       = module.alarms.alarm_names
}
