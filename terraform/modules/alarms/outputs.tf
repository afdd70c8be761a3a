output "topic_arn" {
  description = "ARN of the SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "throttle_alarm_names" {
  description = "Throttle alarm names, keyed table/<metric> and index/<index name>/<metric>."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.throttle : key => alarm.alarm_name }
}

output "alarm_names" {
  description = "Names of every alarm of the module."
  value = concat(
    [for alarm in aws_cloudwatch_metric_alarm.throttle : alarm.alarm_name],
    [
      aws_cloudwatch_metric_alarm.lambda_errors.alarm_name,
      aws_cloudwatch_metric_alarm.iterator_age.alarm_name,
      aws_cloudwatch_metric_alarm.failure_queue_depth.alarm_name,
    ],
    [for alarm in aws_cloudwatch_metric_alarm.replication_latency : alarm.alarm_name],
  )
}
