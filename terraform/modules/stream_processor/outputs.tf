output "function_name" {
  description = "Name of the stream-processing Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the stream-processing Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "policy_json" {
  description = "The execution role's permissions policy, as JSON."
  value       = data.aws_iam_policy_document.permissions.json
}

output "log_group_name" {
  description = "CloudWatch log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

output "event_source_mapping_uuid" {
  description = "UUID of the mapping from the table's stream to the function."
  value       = aws_lambda_event_source_mapping.stream.uuid
}

output "failure_queue_url" {
  description = "URL of the SQS queue that receives records of batches the function could not process."
  value       = aws_sqs_queue.failures.url
}

output "failure_queue_arn" {
  description = "ARN of the failure queue."
  value       = aws_sqs_queue.failures.arn
}

output "failure_queue_name" {
  description = "Name of the failure queue (the CloudWatch QueueName dimension)."
  value       = aws_sqs_queue.failures.name
}
