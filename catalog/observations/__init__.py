"""In-situ observations: reading and indexing Argo profile files (not yet served).

``argo`` reads Argo ``*_prof.nc`` files into a profile table and single profiles; ``index``
searches that table and draws platform tracks. Nothing outside this package uses it yet.
"""
