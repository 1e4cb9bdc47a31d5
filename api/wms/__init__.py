"""The OGC Web Map Service facade (1.3.0 and 1.1.1), under /wms, over the web-map core
(``plotting.webmap``) and the native point query."""

from api.routing import PrefixedRouter
from api.wms import routes


def build_routers() -> list[PrefixedRouter]:
    """The /wms router, for the app to include itself (``PrefixedRouter`` says why)."""
    return [routes.router]
