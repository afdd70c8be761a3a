terraform {
  required_version = ">= 1.6"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # The harness passes the state path (local target) or a partial configuration
  # through -backend-config, so each target keeps its own state.
  backend "local" {}
}
