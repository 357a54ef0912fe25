"""Use cases: one function per thing a user does. Services change rows and own the
transaction; they never look at the request (the web layer passes plain values)."""
