"""Alerts and the daily briefing: where the platform speaks to people.

``rules`` (YAML, validated) -> ``alerts`` (evaluation over the marts and ml scores, one row
per condition and record in the operational store, with its lifecycle) -> ``facts`` (what a
briefing may say) -> ``llm`` (Claude, tool use, budgeted) or the Jinja2 template ->
``proposals`` (deterministic candidates, submitted to write-back) -> ``delivery`` (SMTP) and
the archive. ``service`` is the API every surface uses. No Dagster here: the assets,
schedule and sensor are in ``orchestration/assets/briefings.py``.
"""
