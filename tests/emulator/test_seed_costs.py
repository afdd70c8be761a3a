"""README's seed-cost column is what the examples really consume on DynamoDB Local.

The figures in harness/model/seed_costs.json (rendered into README's access-pattern table
by harness.model.readme_docs) are measured again here on the DynamoDB Local data plane:
ReturnConsumedCapacity=INDEXES of each example Query (API_ConsumedCapacity.html), whose
units follow AWS's arithmetic (read-write-operations.html; checked case by case in
test_capacity.py), with ScannedCount and Count (API_Query.html).
"""

from __future__ import annotations

import json

import pytest

from harness.model import access_patterns, readme_docs
from harness.ops import seed_costs

pytestmark = pytest.mark.slow


def test_the_committed_seed_costs_match_a_fresh_measurement():
    committed = json.loads(readme_docs.SEED_COSTS_FILE.read_text())
    measured = seed_costs.measure_on_dynamodb_local()
    assert measured == committed, (
        "harness/model/seed_costs.json is stale; run `python -m harness.ops.seed_costs`"
    )
    assert set(measured) == set(access_patterns.names())
    # The filter of course-with-roster reads the course's assignments and drops them.
    roster = measured["course-with-roster"]
    assert roster["read"] > roster["returned"]
