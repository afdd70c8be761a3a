# Nothing here knows about the local emulator: the harness points the provider at
# it with AWS_ENDPOINT_URL and dummy credentials, so the same code applies to AWS.
provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
