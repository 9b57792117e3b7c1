"""What the service tells people and partners, queued in the transaction that decides it
and sent later by the scheduler: alert e-mails (`alert_mail`, over `mail`'s SMTP client),
the mail outbox (`outbox_repository`), the garage's notices (`garage_notices`) and signed
web hooks with retries (`webhooks`)."""
