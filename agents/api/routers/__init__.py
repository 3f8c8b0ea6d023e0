"""The API's routes, one router per area: meta (health), skills, runs, statements, graph."""

from agents.api.routers import graph, meta, runs, skills, statements

ROUTERS = (meta.router, skills.router, runs.router, statements.router, graph.router)

__all__ = ["ROUTERS"]
