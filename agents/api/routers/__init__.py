"""The API's routes, one router per area: meta (health), skills, runs, graph."""

from agents.api.routers import graph, meta, runs, skills

ROUTERS = (meta.router, skills.router, runs.router, graph.router)

__all__ = ["ROUTERS"]
