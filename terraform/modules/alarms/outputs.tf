output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "throttle_alarm_names" {
  description = "Throttle alarm names, keyed table/<metric> and index/<index name>/<metric>."
  value       = { for key in keys(local.throttle_alarms) : key => aws_cloudwatch_metric_alarm.this[key].alarm_name }
}

output "alarm_names" {
  description = "Names of every alarm of the module."
  value       = [for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_name]
}
