"""Integrations with tools teams already run (cfn-lint)."""
