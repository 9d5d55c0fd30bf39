"""Named users per role (ada admin, ed expert, ursula user, otto other user) and a clock."""

from pyros.accounts.testing import clock, world  # noqa: F401
