# Least privilege: the role names this table, its indexes, its stream and the
# failure queue by ARN. The wildcards are the log streams inside the function's
# own log group, whose names Lambda chooses at run time, and dynamodb:ListStreams,
# which supports no resource-level permissions: AWS's Service Authorization
# Reference lists no resource type for it, so IAM matches it against "*" only.

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "permissions" {
  statement {
    sid       = "ReadTableStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [var.stream_arn]
  }

  statement {
    sid       = "ListTableStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["*"]
  }

  statement {
    sid       = "MaintainAggregates"
    actions   = var.table_actions
    resources = [var.table_arn]
  }

  dynamic "statement" {
    for_each = length(var.index_arns) > 0 ? [var.index_arns] : []
    content {
      sid       = "QueryIndexes"
      actions   = ["dynamodb:Query"]
      resources = statement.value
    }
  }

  statement {
    sid       = "SendFailedBatches"
    actions   = ["sqs:SendMessage"]
    resources = [local.failure_queue_arn]
  }

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }
}

resource "aws_iam_role" "this" {
  name               = var.function_name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
  tags               = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.function_name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.permissions.json
}
