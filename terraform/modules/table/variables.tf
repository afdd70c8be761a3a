variable "name" {
  description = "Name of the table; the same name is used in every replica region."
  type        = string
  default     = "university"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "The table name must be 3-255 characters of letters, digits, '_', '-' or '.'."
  }
}

variable "hash_key" {
  description = "Partition key attribute (type S). The single-table design keeps it generic: pk."
  type        = string
  default     = "pk"
}

variable "range_key" {
  description = "Sort key attribute (type S). The single-table design keeps it generic: sk."
  type        = string
  default     = "sk"
}

variable "global_secondary_indexes" {
  description = <<-EOT
    Global secondary indexes. Key types are S (string), N (number) or B (binary); projection_type
    is ALL, KEYS_ONLY or INCLUDE (INCLUDE needs non_key_attributes). Attribute definitions are
    derived from these keys, so an index is added by adding one entry here.
  EOT
  type = list(object({
    name               = string
    hash_key           = string
    hash_key_type      = optional(string, "S")
    range_key          = optional(string)
    range_key_type     = optional(string, "S")
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string), [])
    # On-demand maximum throughput of the index (OnDemandThroughput); null: no maximum.
    max_read_request_units  = optional(number)
    max_write_request_units = optional(number)
  }))
  default = [
    { name = "studentID-index", hash_key = "studentID" },
    { name = "entityType-courseDate-index", hash_key = "entityType", range_key = "courseDate" },
  ]
  nullable = false

  validation {
    condition     = length(distinct([for index in var.global_secondary_indexes : index.name])) == length(var.global_secondary_indexes)
    error_message = "Each global secondary index needs a unique name."
  }
  validation {
    condition = alltrue([
      for index in var.global_secondary_indexes :
      contains(["S", "N", "B"], index.hash_key_type) && contains(["S", "N", "B"], index.range_key_type)
    ])
    error_message = "Index key types must be S, N or B."
  }
  validation {
    condition = alltrue([
      for index in var.global_secondary_indexes :
      contains(["ALL", "KEYS_ONLY", "INCLUDE"], index.projection_type)
      && (index.projection_type == "INCLUDE") == (length(index.non_key_attributes) > 0)
    ])
    error_message = "projection_type must be ALL, KEYS_ONLY or INCLUDE, and non_key_attributes is set exactly when it is INCLUDE."
  }
  validation {
    condition = alltrue(flatten([
      for index in var.global_secondary_indexes : [
        for units in [index.max_read_request_units, index.max_write_request_units] :
        units == null ? true : (units >= 1 && floor(units) == units)
      ]
    ]))
    error_message = "An index's max_read_request_units and max_write_request_units must be whole numbers of at least 1, or null for no maximum."
  }
  validation {
    condition     = length(var.global_secondary_indexes) <= 20
    error_message = "DynamoDB allows at most 20 global secondary indexes per table."
  }
}

variable "max_read_request_units" {
  description = "On-demand maximum read request units per second for the table (OnDemandThroughput); reads above it are throttled. null: no maximum."
  type        = number
  default     = null

  validation {
    condition     = var.max_read_request_units == null ? true : (var.max_read_request_units >= 1 && floor(var.max_read_request_units) == var.max_read_request_units)
    error_message = "max_read_request_units must be a whole number of at least 1, or null for no maximum."
  }
}

variable "max_write_request_units" {
  description = "On-demand maximum write request units per second for the table (OnDemandThroughput); writes above it are throttled. null: no maximum."
  type        = number
  default     = null

  validation {
    condition     = var.max_write_request_units == null ? true : (var.max_write_request_units >= 1 && floor(var.max_write_request_units) == var.max_write_request_units)
    error_message = "max_write_request_units must be a whole number of at least 1, or null for no maximum."
  }
}

variable "ttl_attribute_name" {
  description = "Attribute holding the expiry time in epoch seconds; items past it are deleted by DynamoDB. 1-255 characters; ttl_enabled turns TTL off."
  type        = string
  default     = "expiresAt"

  validation {
    condition     = length(var.ttl_attribute_name) >= 1 && length(var.ttl_attribute_name) <= 255
    error_message = "ttl_attribute_name must be 1-255 characters (DynamoDB refuses an empty name even to turn TTL off); set ttl_enabled = false to turn TTL off."
  }
}

variable "ttl_enabled" {
  description = "Delete items whose ttl_attribute_name is in the past (DynamoDB TTL). False turns TTL off and keeps the attribute name, as UpdateTimeToLive requires."
  type        = bool
  default     = true
}

variable "point_in_time_recovery_enabled" {
  description = "Keep continuous backups (point-in-time recovery) on the table (replicas: modules/table_replica)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for server-side encryption; null uses the AWS managed key aws/dynamodb."
  type        = string
  default     = null
}

variable "stream_view_type" {
  description = "What each stream record carries: KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES. Global tables need NEW_AND_OLD_IMAGES."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"

  validation {
    condition     = contains(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"], var.stream_view_type)
    error_message = "stream_view_type must be KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES."
  }
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable while true. Off for throwaway local stacks, on everywhere else."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the table (replicas take theirs in modules/table_replica)."
  type        = map(string)
  default     = {}
}

variable "restore_source_name" {
  description = "Create the table as a point-in-time restore of this table (same account and region; it must have point-in-time recovery on). null: a new, empty table. Changing it replaces the table."
  type        = string
  default     = null
}

variable "restore_date_time" {
  description = "With restore_source_name: the time to restore to, RFC 3339 (2026-11-30T20:15:00Z), inside the source's restore window. Leave null with restore_to_latest_time."
  type        = string
  default     = null

  validation {
    condition     = var.restore_date_time == null || can(formatdate("YYYY", var.restore_date_time))
    error_message = "restore_date_time must be an RFC 3339 time such as 2026-11-30T20:15:00Z."
  }
}

variable "restore_to_latest_time" {
  description = "With restore_source_name: restore to the latest restorable time instead of restore_date_time."
  type        = bool
  default     = null
}
