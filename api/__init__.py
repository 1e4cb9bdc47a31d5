"""The web layer: FastAPI app factory, versioned routers and problem handlers."""
