"""Adapters that serve the catalog through other frameworks (pygeoapi) over the same engine."""
