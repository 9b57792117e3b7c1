"""The fleet's vehicles: their identity, home site and status."""
