"""What a DynamoDB-stream mapping may do as its function's execution role.

Lambda reads the stream and sends failure records with the execution role's
permissions (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html,
"Execution role permissions": dynamodb:DescribeStream, GetRecords,
GetShardIterator and ListStreams; sqs:SendMessage or sns:Publish for an
on-failure destination). It checks them when the mapping is created, and refuses
with InvalidParameterValueException; AWS-recorded texts:
- "Cannot access stream STREAM_ARN. Please ensure the role can perform the
  GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on your
  stream in IAM." (CreateEventSourceMapping, awslabs/dynamodb-continuous-backup#39;
  the same from CloudFormation in aws-amplify/amplify-js#4793);
- "The provided execution role does not have permissions to call SendMessage on
  SQS" (a DynamoDB-stream mapping's SQS destination,
  aws-samples/aws-serverless-ecommerce-platform#41) and "... to call Publish on
  SNS." (functionalone/serverless-iam-roles-per-function#5).
Later, while polling, the same permissions are the role's: a role that lost
stream read leaves the records unread (AWS: retried until they expire, "Before
invocation" in services-dynamodb-errors.html), and a failure record the role may
not send is dropped, as a destination that refuses it is. The mapping's
LastProcessingResult text for a read refused at poll time is not documented;
the emulator says "PROBLEM: " and the AccessDenied message.
An S3 destination's permissions are not checked (no AWS-recorded refusal text).
"""

from __future__ import annotations

from moto.awslambda.exceptions import InvalidParameterValueException

from harness.emulator import iam

STREAM_READ_ACTIONS = (
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:DescribeStream",
    "dynamodb:ListStreams",
)
# Destination service -> (action, the name AWS's message gives the call and the service).
DESTINATION_ACTIONS = {
    "sqs": ("sqs:SendMessage", "SendMessage on SQS"),
    "sns": ("sns:Publish", "Publish on SNS."),
}
# Lambda's own session names, as they show in a denial's principal ARN.
POLLER_SESSION = "awslambda-stream-poller"


def stream_read_denial(role_arn: str, stream_arn: str) -> str | None:
    """None when the role may read the stream, else the first AccessDenied message."""
    region = stream_arn.split(":")[3]
    session = iam.service_session(role_arn, POLLER_SESSION)
    for action in STREAM_READ_ACTIONS:
        resource = "*" if action == "dynamodb:ListStreams" else stream_arn
        message = iam.authorize(session, action, resource, region)
        if message is not None:
            return message
    return None


def destination_denial(role_arn: str, destination: str | None) -> str | None:
    """None when the role may send to the SQS or SNS destination (or there is none)."""
    service = (destination or "").split(":")[2:3]
    if not service or service[0] not in DESTINATION_ACTIONS:
        return None
    action, _ = DESTINATION_ACTIONS[service[0]]
    session = iam.service_session(role_arn, POLLER_SESSION)
    return iam.authorize(session, action, destination, destination.split(":")[3])


def check_at_create(role_arn: str, stream_arn: str, destination: str | None) -> None:
    """Refuse as Lambda's CreateEventSourceMapping does when the role lacks a permission.

    Raises moto's InvalidParameterValueException with AWS's text; does nothing with
    IAM enforcement off.
    """
    if not iam.enabled():
        return
    try:
        if stream_read_denial(role_arn, stream_arn) is not None:
            raise InvalidParameterValueException(
                f"Cannot access stream {stream_arn}. Please ensure the role can perform the "
                "GetRecords, GetShardIterator, DescribeStream, and ListStreams Actions on "
                "your stream in IAM."
            )
        if destination_denial(role_arn, destination) is not None:
            _, call = DESTINATION_ACTIONS[destination.split(":")[2]]
            raise InvalidParameterValueException(
                f"The provided execution role does not have permissions to call {call}"
            )
    except iam.RoleCannotBeAssumed as error:
        raise InvalidParameterValueException(iam.ROLE_CANNOT_BE_ASSUMED) from error
