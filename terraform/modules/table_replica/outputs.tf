output "region" {
  description = "Region holding the replica."
  value       = data.aws_region.current.name
}

output "deletion_protection_enabled" {
  description = "Whether DeleteTable is refused on the replica."
  value       = aws_dynamodb_table_replica.this.deletion_protection_enabled
}
