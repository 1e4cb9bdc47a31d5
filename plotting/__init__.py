"""Plot rendering: plot types, colour maps, base map layers and the process pool that runs them.

Imported by worker processes; never imports ``api``.
"""
