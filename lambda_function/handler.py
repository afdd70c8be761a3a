"""Stream processor placeholder: logs the batch size so the stack has a real zip to deploy."""

import json


def lambda_handler(event, context):
    print(json.dumps({"message": "batch", "records": len(event.get("Records", []))}))
    return {"batchItemFailures": []}
