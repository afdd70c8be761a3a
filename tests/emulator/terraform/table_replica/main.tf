# A table in one region and its replica managed as a separate resource
# (aws_dynamodb_table_replica): the provider's other way to a global table.

terraform {
  required_version = ">= 1.6"
  # The harness passes -backend-config=path=... so each run keeps its own state.
  backend "local" {}
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.aws_region
}

provider "aws" {
  alias  = "replica"
  region = var.replica_regions[0]
}

resource "aws_dynamodb_table" "this" {
  name             = var.table_name
  billing_mode     = "PAY_PER_REQUEST"
  hash_key         = "pk"
  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"

  attribute {
    name = "pk"
    type = "S"
  }

  # The replica is managed by aws_dynamodb_table_replica below.
  lifecycle {
    ignore_changes = [replica]
  }
}

resource "aws_dynamodb_table_replica" "this" {
  provider               = aws.replica
  global_table_arn       = aws_dynamodb_table.this.arn
  point_in_time_recovery = true

  tags = {
    environment = var.environment
  }
}
