"""Vendor code (DynamoDB, SES, SQS, Scheduler), translated into the project's own errors."""
