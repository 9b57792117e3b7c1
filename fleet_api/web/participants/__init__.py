"""Participants (/participants): search, record, licences checked, loans, export and erasure."""
