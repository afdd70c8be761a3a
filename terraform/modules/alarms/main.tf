# Alarms for the parts of the design that fail quietly: throttling on the table
# and on every index, a failing or lagging stream processor, batches given up on,
# and slow replication. Every alarm notifies one SNS topic.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  topic_name = "${var.name_prefix}-alarms"
  # Spelled out from known parts so the plan shows what every alarm notifies; the
  # topic's postcondition checks it against the real ARN.
  topic_arn = join(":", [
    "arn", data.aws_partition.current.partition, "sns",
    data.aws_region.current.name, data.aws_caller_identity.current.account_id, local.topic_name,
  ])

  throttle_metrics = ["ReadThrottleEvents", "WriteThrottleEvents"]

  # Every alarm of the module, keyed by what it watches. One resource creates them
  # all, so they share period, comparison, missing-data handling, actions and tags.
  # Throttle alarms are keyed "table/<metric>" and "index/<name>/<metric>": each
  # index's alarms are derived from the index list and keep their address when
  # indexes come and go.
  throttle_alarms = merge(
    {
      for metric in local.throttle_metrics : "table/${metric}" => {
        name        = "${var.name_prefix}-table-${metric}"
        description = "Requests to table ${var.table_name} are throttled (${metric})."
        namespace   = "AWS/DynamoDB"
        metric      = metric
        dimensions  = { TableName = var.table_name }
        statistic   = "Sum"
        threshold   = var.throttle_threshold
      }
    },
    {
      for pair in setproduct(var.gsi_names, local.throttle_metrics) : "index/${pair[0]}/${pair[1]}" => {
        name        = "${var.name_prefix}-${pair[0]}-${pair[1]}"
        description = "Requests to index ${pair[0]} of table ${var.table_name} are throttled (${pair[1]})."
        namespace   = "AWS/DynamoDB"
        metric      = pair[1]
        dimensions  = { TableName = var.table_name, GlobalSecondaryIndexName = pair[0] }
        statistic   = "Sum"
        threshold   = var.throttle_threshold
      }
    },
  )
  processor_alarms = {
    "stream-processor/errors" = {
      name        = "${var.name_prefix}-stream-processor-errors"
      description = "The stream processor ${var.function_name} failed invocations; its batches are retried, bisected and finally sent to the failure queue."
      namespace   = "AWS/Lambda"
      metric      = "Errors"
      dimensions  = { FunctionName = var.function_name }
      statistic   = "Sum"
      threshold   = var.lambda_errors_threshold
    }
    "stream-processor/iterator-age" = {
      name        = "${var.name_prefix}-stream-processor-iterator-age"
      description = "The stream processor ${var.function_name} lags behind the table's stream; derived data is getting stale."
      namespace   = "AWS/Lambda"
      metric      = "IteratorAge"
      dimensions  = { FunctionName = var.function_name }
      statistic   = "Maximum"
      threshold   = var.iterator_age_threshold_ms
    }
    "failure-queue/depth" = {
      name        = "${var.name_prefix}-failure-queue-depth"
      description = "Stream records the processor gave up on wait in ${var.failure_queue_name}; their aggregates are missing them."
      namespace   = "AWS/SQS"
      metric      = "ApproximateNumberOfMessagesVisible"
      dimensions  = { QueueName = var.failure_queue_name }
      statistic   = "Maximum"
      threshold   = var.failure_queue_depth_threshold
    }
  }
  replication_alarms = {
    for region in var.replica_regions : "replication/${region}" => {
      name        = "${var.name_prefix}-replication-latency-${region}"
      description = "Writes to ${var.table_name} take long to reach the replica in ${region}."
      namespace   = "AWS/DynamoDB"
      metric      = "ReplicationLatency"
      dimensions  = { TableName = var.table_name, ReceivingRegion = region }
      statistic   = "Average"
      threshold   = var.replication_latency_threshold_ms
    }
  }
  alarms = merge(local.throttle_alarms, local.processor_alarms, local.replication_alarms)
  notify = [local.topic_arn]
}

resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed aws/sns key; a customer key adds a key policy and cost, and alarm messages carry no table data
  name = local.topic_name
  tags = var.tags

  lifecycle {
    postcondition {
      condition     = self.arn == local.topic_arn
      error_message = "The alarm topic ARN is ${self.arn}, but the alarms notify ${local.topic_arn}."
    }
  }
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = var.evaluation_periods
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.notify
  ok_actions          = local.notify
  tags                = var.tags

  depends_on = [aws_sns_topic.alarms]
}
