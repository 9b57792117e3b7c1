"""The fleet itself: vehicles, what their status means and who may set it."""
