"""Alerts: the alert rules evaluated on each enriched record."""
