"""The REST API, live stream and pages (`python -m fleet_api`).

Routes are thin adapters: they parse input, call a domain service, and let
`fleet_api.errors` turn the project's error tree into `{"error", "detail"}` answers.
"""
