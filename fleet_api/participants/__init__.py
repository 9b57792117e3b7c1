"""Participants: the people lent vehicles, as much as a loan needs and no more."""
