# Partial backend settings for the sandbox (aws) target: remote state in S3.
#
# Copy this file to terraform/backend/s3.hcl (kept out of git) and fill in your
# bucket, or point BACKEND_CONFIG_FILE at a copy elsewhere. The harness runs
# `terraform init -backend-config=<that file>` on a staged copy of terraform/
# that declares `backend "s3" {}`; local runs keep the local backend.
#
# The bucket must exist already (versioning on, public access blocked) and be
# reachable with the credentials you use for the sandbox account.

bucket = "my-sandbox-terraform-state"
key    = "dynamodb-single-table-reference/sandbox.tfstate"
region = "us-east-1"

# Terraform >= 1.10 locks the state with a lock object next to it in the same
# bucket; no DynamoDB lock table is needed. The harness refuses a config
# without it, so two runs never write the state at the same time.
use_lockfile = true

# Server-side encryption of the state object (it holds resource attributes).
encrypt = true
