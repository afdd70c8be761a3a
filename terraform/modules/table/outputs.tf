output "table_name" {
  description = "Name of the table (the same in every region)."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the table in the primary region."
  value       = aws_dynamodb_table.this.arn
}

output "stream_arn" {
  description = "ARN of the primary region's stream (NEW_AND_OLD_IMAGES by default)."
  value       = aws_dynamodb_table.this.stream_arn
}

output "gsi_names" {
  description = "Names of the global secondary indexes, known at plan time so callers can for_each over them."
  value       = [for index in var.global_secondary_indexes : index.name]
}

output "index_arns" {
  description = "ARN of each global secondary index, by index name."
  value       = { for index in var.global_secondary_indexes : index.name => "${aws_dynamodb_table.this.arn}/index/${index.name}" }
}

output "hash_key" {
  description = "Partition key attribute name."
  value       = aws_dynamodb_table.this.hash_key
}

output "range_key" {
  description = "Sort key attribute name."
  value       = aws_dynamodb_table.this.range_key
}

output "ttl_attribute_name" {
  description = "Attribute DynamoDB reads expiry times from (kept when ttl_enabled is false)."
  value       = var.ttl_attribute_name
}

output "region" {
  description = "Region of the table (the primary region of a global table)."
  value       = data.aws_region.current.name
}

output "stream_view_type" {
  description = "What each stream record carries; replicas need NEW_AND_OLD_IMAGES."
  value       = aws_dynamodb_table.this.stream_view_type
}
