"""Pydantic models shared by the API, the plotting workers and the catalog."""
