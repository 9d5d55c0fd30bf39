"""PyROS: the Python Robotic Observatory Software."""

__version__ = "0.1.0"
