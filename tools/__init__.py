"""Maintainers' scripts that build the app to write files of the repository (the OpenAPI
document, the example answers). Outside the service's packages: nothing the service imports
imports them, so the app's import graph has no circle through them."""
