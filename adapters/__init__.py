"""Bridges from policywerk's world API to other libraries (optional extras, outside the learning package)."""
