# The Lambda that keeps derived data current from the table's stream: the
# function, its log group, the queue that keeps batches it could not process,
# and the event source mapping that feeds it.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  log_group_name     = "/aws/lambda/${var.function_name}"
  failure_queue_name = "${var.function_name}-failures"

  # The role's policy names these ARNs. Spelling them out from known parts (instead
  # of reading them from the resources) keeps the whole policy known at plan time,
  # so a plan shows exactly what the role may do; postconditions below check that
  # the real ARNs match.
  arn_prefix        = "arn:${data.aws_partition.current.partition}"
  region_account    = "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  log_group_arn     = "${local.arn_prefix}:logs:${local.region_account}:log-group:${local.log_group_name}"
  failure_queue_arn = "${local.arn_prefix}:sqs:${local.region_account}:${local.failure_queue_name}"

  # A record reaches the function when its new or its old image has one of the listed
  # entity types (filters are ORed). The function's own aggregate writes land on the
  # *Stats entity types (sk "#stats"), which the variable's validation keeps out, so it
  # is never invoked for them.
  filter_patterns = [
    for image in ["NewImage", "OldImage"] :
    jsonencode({ dynamodb = { (image) = { entityType = { S = var.filtered_entity_types } } } })
  ]
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest already; a customer KMS key adds a key policy and cost for logs that hold no item contents
  #checkov:skip=CKV_AWS_338:retention is the log_retention_days variable (14 days for a sandbox); production stacks set 365 or more
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags

  lifecycle {
    postcondition {
      condition     = trimsuffix(self.arn, ":*") == local.log_group_arn
      error_message = "The log group ARN is ${self.arn}, but the role's policy names ${local.log_group_arn}."
    }
  }
}

resource "aws_sqs_queue" "failures" {
  name                      = local.failure_queue_name
  message_retention_seconds = var.failure_queue_retention_seconds
  sqs_managed_sse_enabled   = true
  tags                      = var.tags

  lifecycle {
    postcondition {
      condition     = self.arn == local.failure_queue_arn
      error_message = "The failure queue ARN is ${self.arn}, but the role's policy names ${local.failure_queue_arn}."
    }
  }
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:a DLQ only catches asynchronous invocations; stream batches are invoked synchronously by the event source mapping, whose on-failure destination is the SQS failure queue
  #checkov:skip=CKV_AWS_117:the function reaches only DynamoDB, SQS and CloudWatch Logs public endpoints; a VPC would add NAT or endpoints and no private resource to protect
  #checkov:skip=CKV_AWS_115:stream concurrency is bounded by the shard count (one batch per shard); reserved concurrency would only throttle the stream and age its records
  #checkov:skip=CKV_AWS_272:the zip is built deterministically by the harness from this repository and pinned by source_code_hash; signing needs an AWS Signer profile outside this reference
  #checkov:skip=CKV_AWS_173:the only environment variable is TABLE_NAME, not a secret; Lambda encrypts environment variables at rest with an AWS-managed key
  #checkov:skip=CKV_AWS_50:X-Ray tracing adds cost and xray permissions; the processor is watched by its error, iterator-age and failure-queue alarms and its logs
  function_name    = var.function_name
  role             = aws_iam_role.this.arn
  runtime          = var.runtime
  handler          = var.handler
  filename         = var.lambda_zip_path
  source_code_hash = filebase64sha256(var.lambda_zip_path)
  timeout          = var.timeout_seconds
  memory_size      = var.memory_size_mb

  environment {
    variables = {
      TABLE_NAME = var.table_name
    }
  }

  tags = var.tags

  # The log group must exist first, or Lambda creates one without retention.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

# TRIM_HORIZON: the mapping starts at the oldest retained record, so writes made
# before it became enabled (the seed items, written in the same apply) still reach
# the aggregates. LATEST would silently skip them. The handler is idempotent per
# record, so a replay of retained records after re-creating the mapping is safe.
resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn  = var.stream_arn
  function_name     = aws_lambda_function.this.arn
  starting_position = var.starting_position

  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  function_response_types            = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error     = true
  maximum_retry_attempts             = var.maximum_retry_attempts
  maximum_record_age_in_seconds      = var.maximum_record_age_in_seconds

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.failures.arn
    }
  }

  filter_criteria {
    dynamic "filter" {
      for_each = local.filter_patterns
      content {
        pattern = filter.value
      }
    }
  }

  tags = var.tags

  # Lambda checks at creation that the role can read the stream.
  depends_on = [aws_iam_role_policy.this]
}
