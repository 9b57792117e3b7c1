"""Routes of alerts: the list each role sees, and acknowledgement."""
