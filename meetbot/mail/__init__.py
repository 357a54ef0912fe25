"""E-mail: building messages, sending them, and the outbox that delivers each one once.

Modules:

* ``message`` builds RFC 5322 messages with Python's ``email`` package (no hand-built
  MIME): text + HTML alternatives, attachments, UTF-8 names, a stable Message-ID.
* ``transport`` sends a message through the transport ``MEETBOT_MAIL_URL`` names:
  ``smtp://`` (STARTTLS), ``smtps://`` (TLS from the start) or ``maildir://`` (the
  default: a Maildir under ``instance/mail/``). It sorts failures into temporary
  (retry later) and permanent (give up, keep the server's answer).
* ``outbox`` queues a message in the caller's transaction (``queue``) and is the
  worker's loop (``send_due``): leases, retries with backoff, one Message-ID per row.

``message`` and ``transport`` know nothing of Flask or the database; ``outbox`` is a
service (it owns its transactions) and is what the rest of meetbot calls.
"""
