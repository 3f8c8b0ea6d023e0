"""Tables of the briefings package in the operational store (declared in ``opstore.schema``;
the alerts' are re-exported by :mod:`alerts.store`).

Briefings are archived with the facts they were written from, so any sentence can be
traced back to the numbers; deliveries and LLM usage are kept per attempt and per call.
"""

from __future__ import annotations

from opstore.schema import briefings, deliveries, llm_usage

__all__ = ["briefings", "deliveries", "llm_usage"]
