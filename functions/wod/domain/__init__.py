"""Pure rules of the product: no boto3, PynamoDB, HTTP or Ansible below this package."""
