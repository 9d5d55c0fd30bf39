"""A whole night, unattended: ``pyros night``, its scenario timeline and its report."""
