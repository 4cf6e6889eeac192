"""govhook: a CloudFormation Lambda Hook and governance policy engine for AWS Lambda."""

__version__ = "0.1.0"
