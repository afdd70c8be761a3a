variable "name_prefix" {
  description = "Prefix of every alarm name and of the SNS topic (<prefix>-alarms)."
  type        = string
  default     = "university"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,200}$", var.name_prefix))
    error_message = "name_prefix must be letters, digits, '-' or '_'."
  }
}

variable "table_name" {
  description = "Table whose throttling is watched."
  type        = string
}

variable "gsi_names" {
  description = "Global secondary indexes of the table; each gets its own read and write throttle alarms. Pass the table module's gsi_names output, never a hand-made list."
  type        = list(string)
  default     = []
}

variable "replica_regions" {
  description = "Replica regions of the table; each gets a ReplicationLatency alarm. Empty list: none."
  type        = list(string)
  default     = []
}

variable "function_name" {
  description = "Stream-processing Lambda whose errors and iterator age are watched."
  type        = string
}

variable "failure_queue_name" {
  description = "SQS queue that receives batches the function gave up on; any message there raises an alarm."
  type        = string
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS asks it to confirm); null subscribes nobody."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be an e-mail address such as ops@example.com, or null."
  }
}

variable "period_seconds" {
  description = "Length of each evaluation period, in seconds (60 or a multiple of 60)."
  type        = number
  default     = 60

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a positive multiple of 60."
  }
}

variable "evaluation_periods" {
  description = "Consecutive breaching periods before an alarm fires."
  type        = number
  default     = 1

  validation {
    condition     = var.evaluation_periods >= 1
    error_message = "evaluation_periods must be at least 1."
  }
}

variable "throttle_threshold" {
  description = "Throttled requests per period above which a table or index throttle alarm fires."
  type        = number
  default     = 0
}

variable "lambda_errors_threshold" {
  description = "Failed invocations per period above which the Lambda errors alarm fires."
  type        = number
  default     = 0
}

variable "iterator_age_threshold_ms" {
  description = "Age in milliseconds of the newest record the function read, above which it is falling behind the stream."
  type        = number
  default     = 60000
}

variable "failure_queue_depth_threshold" {
  description = "Visible messages in the failure queue above which its alarm fires."
  type        = number
  default     = 0
}

variable "replication_latency_threshold_ms" {
  description = "Average replication latency in milliseconds to a replica above which its alarm fires."
  type        = number
  default     = 60000
}

variable "tags" {
  description = "Tags for the topic and every alarm."
  type        = map(string)
  default     = {}
}
