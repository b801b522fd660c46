"""HTTP: the app factory, the hot path in front of FastAPI, middleware, problems and routes."""
