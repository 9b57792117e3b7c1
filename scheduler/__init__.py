"""The scheduler (`python -m scheduler`): one active process across however many run
(a PostgreSQL advisory lock), running the periodic jobs of every domain — due scans,
overdue loans, batteries before loans, the fleet's silence, incidents closing, retention,
alert e-mails and web hooks (`jobs`; their SQL in `jobs_repository`), each in its own slot."""
