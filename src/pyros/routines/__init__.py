"""Routine Manager: requests → sequences → albums → plans, their lifecycle and validation."""
