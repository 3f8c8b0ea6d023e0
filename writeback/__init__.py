"""Guarded write-back: the only way the AI COO acts in Odoo.

proposal -> policy check -> approval -> idempotent execution -> append-only audit with the
values before and after -> rollback on request. Skills come from a fixed catalog
(``writeback/catalog.yaml``); nothing else can run. No Dagster here: the job and sensor live
in ``orchestration/assets/writeback.py``.
"""

from writeback.catalog import Catalog, Skill, load_catalog
from writeback.service import (
    ProposalOutcome,
    ProposalRequest,
    approve,
    execute,
    get_proposal,
    list_proposals,
    propose,
    reject,
    rollback,
)

__all__ = [
    "Catalog",
    "ProposalOutcome",
    "ProposalRequest",
    "Skill",
    "approve",
    "execute",
    "get_proposal",
    "list_proposals",
    "load_catalog",
    "propose",
    "reject",
    "rollback",
]
