"""The stream processor's own modules, for the harness to use as the one definition.

The reconciler must count exactly what the Lambda counts: the same contract
(which item adds what to which aggregate), the same number rules and the same
watermarks. So it imports the Lambda's package (lambda_function/stream_processor,
stdlib + boto3 only) instead of restating it; the Lambda's zip stays standalone.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

from harness import LAMBDA_SOURCE_DIR


def module(name: str) -> ModuleType:
    """stream_processor.<name> from the Lambda's source (contract, records, ...)."""
    if str(LAMBDA_SOURCE_DIR) not in sys.path:
        # Appended, not prepended: nothing of the harness's may be shadowed by it.
        sys.path.append(str(LAMBDA_SOURCE_DIR))
    return importlib.import_module(f"stream_processor.{name}")
