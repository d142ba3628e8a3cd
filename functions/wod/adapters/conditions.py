"""How DynamoDB says "your condition did not hold", in one place for every adapter."""

from __future__ import annotations

from pynamodb.exceptions import PynamoDBException

# The code of a failed condition in a single write's error response...
CONDITION_FAILED_EXCEPTION = "ConditionalCheckFailedException"
# ...and in a cancelled transaction's reasons, one per item.
CONDITION_FAILED_REASON = "ConditionalCheckFailed"


def condition_failed(exc: PynamoDBException) -> bool:
    """True if a single conditional write (put, update, delete) lost on its condition."""
    return exc.cause_response_code == CONDITION_FAILED_EXCEPTION
