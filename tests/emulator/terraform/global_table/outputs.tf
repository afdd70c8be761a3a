output "table_arn" {
  description = "ARN of the table in the primary region."
  value       = aws_dynamodb_table.this.arn
}

output "replica_arns" {
  description = "ARNs of the replicas, one per replica region."
  value       = [for replica in aws_dynamodb_table.this.replica : replica.arn]
}
