"""The core: targets, findings and the verdict (model), the policy, the rule registry, the engine.

Shipped in the Lambda package. Imports nothing from the doors (handler, cli, integrations).
"""
