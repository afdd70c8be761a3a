variable "aws_region" {
  description = "Primary region of the table."
  type        = string
  default     = "us-east-1"
}

variable "replica_regions" {
  description = "Regions that get a replica (global tables version 2019.11.21)."
  type        = list(string)
  default     = ["us-west-2"]
}

variable "deletion_protection_enabled" {
  description = "Deletion protection on the primary table (true or false)."
  type        = bool
  default     = false
}

variable "environment" {
  description = "Value of the environment tag."
  type        = string
  default     = "local"
}

variable "lambda_zip_path" {
  description = "Unused here; the harness passes it to every stack."
  type        = string
  default     = ""
}

variable "table_name" {
  description = "Name of the table in every region."
  type        = string
  default     = "gt-fixture"
}

variable "owner_tag" {
  description = "Value of the owner tag; the test changes it to check that tags converge."
  type        = string
  default     = "first"
}
