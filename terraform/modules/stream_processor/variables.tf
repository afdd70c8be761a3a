variable "function_name" {
  description = "Name of the Lambda function; also names its role, log group (/aws/lambda/<name>) and failure queue (<name>-failures)."
  type        = string
  default     = "university-stream-processor"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,55}$", var.function_name))
    error_message = "function_name must be 1-55 letters, digits, '-' or '_' (room is kept for the '-failures' queue suffix)."
  }
}

variable "table_name" {
  description = "Table the function maintains aggregates in; passed to it as TABLE_NAME."
  type        = string
}

variable "table_arn" {
  description = "ARN of that table; the only table the function's role may read and write."
  type        = string
}

variable "index_arns" {
  description = "ARNs of the table's global secondary indexes the function may query; one per index, no wildcards."
  type        = list(string)
  default     = []
}

variable "stream_arn" {
  description = "ARN of the table's stream the function is mapped to."
  type        = string
}

variable "lambda_zip_path" {
  description = "Path of the deployment zip the harness builds from lambda_function/ (there is no archive provider offline)."
  type        = string
}

variable "handler" {
  description = "Entry point, module.function inside the zip."
  type        = string
  default     = "handler.lambda_handler"
}

variable "runtime" {
  description = "Lambda runtime: python3.12 or newer."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "timeout_seconds" {
  description = "Longest a single invocation may run, 1-900 seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "timeout_seconds must be between 1 and 900."
  }
}

variable "memory_size_mb" {
  description = "Memory for the function, 128-10240 MB (CPU scales with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size_mb >= 128 && var.memory_size_mb <= 10240
    error_message = "memory_size_mb must be between 128 and 10240."
  }
}

variable "table_actions" {
  description = "DynamoDB actions the function may perform on the table (aggregate upkeep). Index ARNs get dynamodb:Query only."
  type        = list(string)
  default = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:ConditionCheckItem",
  ]

  validation {
    condition     = alltrue([for action in var.table_actions : can(regex("^dynamodb:[A-Za-z]+$", action))])
    error_message = "table_actions must be plain dynamodb:<Action> names, without wildcards."
  }
}

variable "starting_position" {
  description = "Where a new mapping starts reading the stream: TRIM_HORIZON (oldest retained record) or LATEST."
  type        = string
  default     = "TRIM_HORIZON"

  validation {
    condition     = contains(["TRIM_HORIZON", "LATEST"], var.starting_position)
    error_message = "starting_position must be TRIM_HORIZON or LATEST (AT_TIMESTAMP is not available for DynamoDB streams)."
  }
}

variable "batch_size" {
  description = "Most stream records per invocation, 1-10000."
  type        = number
  default     = 100

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long Lambda may gather records before invoking, 0-300 seconds."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300."
  }
}

variable "maximum_retry_attempts" {
  description = "Retries of a failing batch before its records go to the failure queue, 0-10000 (-1: until the records expire)."
  type        = number
  default     = 3

  validation {
    condition     = var.maximum_retry_attempts >= -1 && var.maximum_retry_attempts <= 10000
    error_message = "maximum_retry_attempts must be between -1 and 10000."
  }
}

variable "maximum_record_age_in_seconds" {
  description = "Records older than this go to the failure queue instead of the function: 60-604800 seconds, or -1 for no limit."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_record_age_in_seconds == -1 || (var.maximum_record_age_in_seconds >= 60 && var.maximum_record_age_in_seconds <= 604800)
    error_message = "maximum_record_age_in_seconds must be -1 or between 60 and 604800."
  }
}

variable "filtered_entity_types" {
  description = <<-EOT
    entityType values whose changes reach the function (matched in NewImage or OldImage). The
    function's own aggregate items (courseStats, assignmentStats, userStats, instructorStats) must
    stay out of it, or the function receives its own writes.
  EOT
  type        = list(string)
  default     = ["student", "submission", "order", "teaching"]

  validation {
    condition     = length(var.filtered_entity_types) > 0
    error_message = "filtered_entity_types needs at least one entity type, or the function never runs."
  }

  validation {
    condition     = alltrue([for type in var.filtered_entity_types : !endswith(type, "Stats")])
    error_message = "filtered_entity_types must not name the function's own aggregate items (*Stats), or each of its writes invokes it again."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs; one of CloudWatch's allowed values (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  type        = number
  default     = 14

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "failure_queue_retention_seconds" {
  description = "How long the failure queue keeps records of batches that could not be processed, 60-1209600 seconds."
  type        = number
  default     = 1209600

  validation {
    condition     = var.failure_queue_retention_seconds >= 60 && var.failure_queue_retention_seconds <= 1209600
    error_message = "failure_queue_retention_seconds must be between 60 and 1209600."
  }
}

variable "tags" {
  description = "Tags for every resource of the module."
  type        = map(string)
  default     = {}
}
