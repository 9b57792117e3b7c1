"""The live fleet: every vehicle's latest state, as a list and as a Server-Sent Events stream."""
