"""Running the stack: targets, Terraform through tftest, the Lambda zip, setup and teardown.

targets (local emulator or AWS sandbox) -> terraform (Stack: init/plan/apply/destroy) ->
lifecycle (what `invoke setup` and `invoke teardown` do); aws_target holds the sandbox
account's guard, remote state and confirmation; provider_mirror finds the offline AWS
provider; lambda_package builds the deployed zip; seed reads the seed items.
"""
