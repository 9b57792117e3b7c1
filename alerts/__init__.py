"""Alerts: French messages for one role about one situation, opened and resolved by every
domain through `raising` (one alert per situation, by its dedup key), read and
acknowledged by people through `acknowledgement`; SQL only in `repository`. The
scheduler e-mails what was committed (`notifications.alert_mail`)."""
