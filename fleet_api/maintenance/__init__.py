"""Routes of maintenance: due list, plans, service records."""
