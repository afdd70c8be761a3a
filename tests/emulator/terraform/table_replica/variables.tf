variable "aws_region" {
  description = "Region of the table."
  type        = string
  default     = "us-east-1"
}

variable "replica_regions" {
  description = "The first entry is the replica's region."
  type        = list(string)
  default     = ["us-west-2"]
}

variable "deletion_protection_enabled" {
  description = "Unused here; the harness passes it to every stack."
  type        = bool
  default     = false
}

variable "environment" {
  description = "Value of the replica's environment tag."
  type        = string
  default     = "local"
}

variable "lambda_zip_path" {
  description = "Unused here; the harness passes it to every stack."
  type        = string
  default     = ""
}

variable "table_name" {
  description = "Name of the table in both regions."
  type        = string
  default     = "gt-replica-fixture"
}
