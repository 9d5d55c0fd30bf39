"""The fault and hostile-input suite: nothing is lost, whatever goes wrong."""

from pyros.accounts.testing import clock, world  # noqa: F401
