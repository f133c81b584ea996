"""The e-mail channel (docs/email.md): ``imap.py`` fetches a shop's new mail, ``outbound.py``
sends through an SMTP server (the shop's own, or ``KEFU_SMTP_*`` for scheduled reports),
``replies.py`` writes the mails that go out. Storing and threading are actions
(kefu.actions.mail, kefu.actions.mail_out); the worker runs both sides (kefu.worker.mail)."""
