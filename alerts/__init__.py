"""Alerts: rule families over the marts (and ML scores), their evaluation against the rules a
person edits (``rules.yaml``), and their lifecycle in the operational store.

* :mod:`alerts.rules` loads and validates the rules;
* :mod:`alerts.families` reads one mart per family into observations (``READS``: its lineage);
* :mod:`alerts.evaluation` judges observations by a rule's thresholds and escalation levels;
* :mod:`alerts.lifecycle` reconciles them with the ``alerts`` table (raise, update, resolve,
  re-open after cooldown, escalate);
* :mod:`alerts.lookup` is what another package (write-back) may ask of an alert.

The briefings read the alerts; the alerts know nothing of briefings.
"""
