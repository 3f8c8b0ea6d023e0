"""When each company's morning briefing is due: 06:00 in the company's own time zone.

A Dagster schedule's time zone is fixed when the definitions load, but companies of one
database can sit in different zones and their zone is data (the company partner's ``tz`` in
Odoo). So the schedule ticks every hour in UTC and asks this module which companies have
just reached 06:00 locally. The zone comes from Odoo when set there, else
``COO_BRIEFING_TIMEZONES`` ("1=Europe/Brussels,2=America/New_York"), else
``COO_BRIEFING_TIMEZONE``, else UTC; all read when the schedule evaluates.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from alerts.sources import MartReader
from core.settings import get_settings
from odoo_api.errors import ConfigError

BRIEFING_HOUR = 6


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{where}: '{name}' is not a time zone (use e.g. Europe/Brussels)"
        ) from None


def configured_zones() -> tuple[dict[int, str], str]:
    overrides: dict[int, str] = {}
    for part in get_settings().coo_briefing_timezones.split(","):
        if not part.strip():
            continue
        cid, _, name = part.partition("=")
        try:
            overrides[int(cid)] = name.strip()
        except ValueError:
            raise ConfigError(
                f"COO_BRIEFING_TIMEZONES entry '{part.strip()}' must be company_id=Zone/Name"
            ) from None
    return overrides, get_settings().coo_briefing_timezone or "UTC"


def company_timezones(reader: MartReader) -> dict[int, ZoneInfo]:
    """Each company's zone: the setting, else Odoo's company partner ``tz``, else the default."""
    overrides, default = configured_zones()
    try:
        rows = reader.rows("select company_id, timezone as tz from core.dim_companies")
    except Exception:  # a warehouse without the dimensions: the configured companies only
        rows = [{"company_id": cid, "tz": None} for cid in overrides]
    out: dict[int, ZoneInfo] = {}
    for r in rows:
        cid = int(r["company_id"])
        if cid in overrides:
            out[cid] = _zone(overrides[cid], "COO_BRIEFING_TIMEZONES")
        elif r.get("tz"):
            try:
                out[cid] = ZoneInfo(str(r["tz"]))
            except (ZoneInfoNotFoundError, ValueError):
                out[cid] = _zone(default, "COO_BRIEFING_TIMEZONE")
        else:
            out[cid] = _zone(default, "COO_BRIEFING_TIMEZONE")
    return out


def due_companies(
    now_utc: dt.datetime, zones: dict[int, ZoneInfo], hour: int = BRIEFING_HOUR
) -> list[tuple[int, str]]:
    """(company, local date) of every company whose local clock is in the briefing hour."""
    if now_utc.tzinfo is None:
        now_utc = now_utc.replace(tzinfo=dt.UTC)
    due = []
    for cid, zone in sorted(zones.items()):
        local = now_utc.astimezone(zone)
        if local.hour == hour:
            due.append((cid, local.date().isoformat()))
    return due
