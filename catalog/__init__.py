"""Datasets: the catalog file, opening, CF axis detection, grid adapters and queries."""
