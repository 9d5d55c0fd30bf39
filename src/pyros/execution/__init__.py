"""Execution (Majordome + Observation Manager): carries out the plan on the devices."""
