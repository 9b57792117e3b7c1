"""The partner garages: contact details and the web hook of their own system."""
