"""The web site and REST API: pages for people, JSON for tools."""
