"""One applied stack per test session: apply to a fresh emulator, verify, destroy.

The stack is applied once (it takes seconds) and shared by every
integration test; destroy runs in the fixture's finalizer so a failed test
never leaves resources behind, and the finalizer checks the state is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.emulator import process
from harness.stack import targets
from harness.stack.terraform import Stack


@dataclass
class AppliedStack:
    target: targets.Target
    stack: Stack
    outputs: dict

    def client(self, service: str, region: str | None = None):
        return self.target.client(service, region)

    def table(self, region: str | None = None):
        return self.target.resource("dynamodb", region).Table(self.outputs["table_name"])


def _plain(outputs) -> dict:
    return {
        name: (value["value"] if isinstance(value, dict) and "value" in value else value)
        for name, value in outputs.items()
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    state_dir = tmp_path_factory.mktemp("stack")
    running, _ = process.start(state_dir / "emulator", port=process.free_port())
    target = targets.local(running.endpoint_url, state_dir=state_dir)
    deployed = Stack(target)
    try:
        deployed.build_lambda()
        deployed.init()
        deployed.apply()
        yield AppliedStack(target, deployed, _plain(deployed.outputs()))
        deployed.destroy()
        assert deployed.resources_in_state() == [], "destroy left resources in Terraform's state"
    finally:
        process.stop(state_dir / "emulator")
