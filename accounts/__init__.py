"""Who may sign in and how: users and their roles, passwords, API tokens, the web
application's sessions (`sessions`, `session_lookup`) and the failed-login throttle. SQL
only in the `*repository` modules; the HTTP side is `fleet_api/accounts/` and
`fleet_api/web/auth/`."""
