"""Scheduler (Django side): schedule versions, re-planning triggers; core in pyros.planning."""
