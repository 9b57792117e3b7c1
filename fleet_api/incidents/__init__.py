"""Incidents over HTTP: the one reason a lent vehicle's precise position may be shown."""
