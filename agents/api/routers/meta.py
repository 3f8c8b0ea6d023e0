"""Liveness."""

from fastapi import APIRouter

from agents.api.schemas import API_PREFIX, Health

router = APIRouter(prefix=API_PREFIX, tags=["meta"])


@router.get("/health", response_model=Health)
def health() -> Health:
    """Liveness; needs no key."""
    return Health(status="ok")
