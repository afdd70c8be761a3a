# Nothing here knows about the local emulator: the harness points the provider at
# it with AWS_ENDPOINT_URL and dummy credentials, so the same code applies to AWS.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = local.default_tags
  }
}

# One provider per region that can hold a replica (replicas.tf). A replica is an
# aws_dynamodb_table_replica managed through a provider in its own region, and
# Terraform cannot for_each over providers: a region outside this list is one more
# block here and one more module in replicas.tf (and in replica_regions' validation).
provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = local.default_tags
  }
}

provider "aws" {
  alias  = "us_east_2"
  region = "us-east-2"

  default_tags {
    tags = local.default_tags
  }
}

provider "aws" {
  alias  = "us_west_2"
  region = "us-west-2"

  default_tags {
    tags = local.default_tags
  }
}

provider "aws" {
  alias  = "eu_central_1"
  region = "eu-central-1"

  default_tags {
    tags = local.default_tags
  }
}

locals {
  default_tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
  }
}
