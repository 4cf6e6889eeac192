"""The input layer shipped in the Lambda package: hook events to targets, and CloudFormation YAML/JSON
with line numbers. Template files, SAM and serverless.yml (CLI only) live in ``hook.cli.adapters``.
"""
