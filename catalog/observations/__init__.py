"""In-situ observations: Argo profile files and CF discrete sampling geometry files, indexed.

``argo`` reads Argo ``*_prof.nc`` files, and ``dsg`` CF discrete sampling geometry files, into
one profile table and single profiles; ``index`` searches that table and draws platform
tracks; ``collection`` is a catalog entry's table, built when the service starts.
"""
