"""Ingest: raw input (native JSON, IPTC ninjs, RSS/Atom) to an :class:`~schemas.Article`."""
