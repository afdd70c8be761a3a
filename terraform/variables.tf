variable "aws_region" {
  description = "Primary region: holds the table, the stream processor and the alarms."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region name such as us-east-1."
  }
}

variable "replica_regions" {
  description = "Regions that hold a replica of the table (global tables 2019.11.21), other than aws_region: any of us-east-1, us-east-2, us-west-2, eu-central-1 (one provider each in providers.tf). Each replica has the table's deletion protection, PITR and tags. Empty list: a single-region table."
  type        = list(string)
  default     = ["us-west-2"]

  validation {
    condition     = alltrue([for region in var.replica_regions : contains(["us-east-1", "us-east-2", "us-west-2", "eu-central-1"], region)])
    error_message = "replica_regions may name us-east-1, us-east-2, us-west-2 or eu-central-1: the regions with a provider in providers.tf and a module in replicas.tf (add both for another region)."
  }
  validation {
    condition     = length(distinct(var.replica_regions)) == length(var.replica_regions)
    error_message = "A region can hold only one replica; remove the duplicates."
  }
}

variable "table_name" {
  description = "Name of the single table; also the prefix of the function, queue, topic and alarm names."
  type        = string
  default     = "university"
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes (see modules/table for the object's fields). null: the design's studentID-index and entityType-courseDate-index."
  type = list(object({
    name                    = string
    hash_key                = string
    hash_key_type           = optional(string, "S")
    range_key               = optional(string)
    range_key_type          = optional(string, "S")
    projection_type         = optional(string, "ALL")
    non_key_attributes      = optional(list(string), [])
    max_read_request_units  = optional(number)
    max_write_request_units = optional(number)
  }))
  default = null
}

variable "table_max_read_request_units" {
  description = "On-demand maximum read request units per second for the table; reads above it are throttled (ReadThrottleEvents). null: no maximum."
  type        = number
  default     = null
}

variable "table_max_write_request_units" {
  description = "On-demand maximum write request units per second for the table; writes above it are throttled (WriteThrottleEvents). null: no maximum."
  type        = number
  default     = null
}

variable "deletion_protection_enabled" {
  description = "Refuse to delete the table while true. The harness turns it off for the local target."
  type        = bool
  default     = true
}

variable "environment" {
  description = "Where this stack runs: local (the emulator), aws, sandbox, dev, test, staging or prod. Tags every resource."
  type        = string
  default     = "sandbox"

  validation {
    condition     = contains(["local", "aws", "sandbox", "dev", "test", "staging", "prod"], var.environment)
    error_message = "environment must be one of local, aws, sandbox, dev, test, staging, prod."
  }
}

variable "project" {
  description = "Project tag on every resource."
  type        = string
  default     = "dynamodb-single-table-reference"
}

variable "lambda_zip_path" {
  description = "Path of the stream processor's deployment zip, built by the harness from lambda_function/."
  type        = string

  validation {
    condition     = fileexists(var.lambda_zip_path)
    error_message = "lambda_zip_path names no file; build the zip first (`invoke setup` or `invoke plan` do it)."
  }
}

variable "alarm_email" {
  description = "E-mail address notified of every alarm (it must confirm the subscription); null: nobody."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the stream processor's logs (a CloudWatch-allowed value: 1, 3, 5, 7, 14, 30, ...)."
  type        = number
  default     = 14
}

variable "stream_batch_size" {
  description = "Most stream records per Lambda invocation, 1-10000."
  type        = number
  default     = 100
}

variable "stream_maximum_retry_attempts" {
  description = "Retries of a failing batch before its records go to the failure queue, -1 (until expiry) to 10000."
  type        = number
  default     = 3
}

variable "stream_maximum_record_age_in_seconds" {
  description = "Records older than this skip the function and go to the failure queue: 60-604800, or -1 for no limit."
  type        = number
  default     = 3600
}
