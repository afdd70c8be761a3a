variable "table" {
  description = <<-EOT
    The table to replicate and the settings its replica takes from it: arn (in its own
    region, where the replica is created through UpdateTable), region (the replica's
    region, the provider's, must differ), stream_view_type (global tables replicate
    through the stream: NEW_AND_OLD_IMAGES), deletion_protection_enabled (refuse
    DeleteTable on the replica; a replica's protection is its own, not the table's),
    point_in_time_recovery_enabled and tags (both per region on AWS), kms_key_arn (a
    customer managed key in the replica's region; KMS keys are regional, so not the
    table's key; null: the AWS managed key aws/dynamodb of that region).
  EOT
  type = object({
    arn                            = string
    region                         = string
    stream_view_type               = optional(string, "NEW_AND_OLD_IMAGES")
    deletion_protection_enabled    = optional(bool, true)
    point_in_time_recovery_enabled = optional(bool, true)
    tags                           = optional(map(string), {})
    kms_key_arn                    = optional(string)
  })

  validation {
    condition     = var.table.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "Global tables replicate through the stream: replicas need stream_view_type NEW_AND_OLD_IMAGES."
  }
}
