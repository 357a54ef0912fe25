"""Real servers and clients on loopback, shared by the tests and the bench.

Neither ``tests/`` nor ``bench/`` imports the other: what both need to start a
real IRC server (``loopback.ircd``: Debian's ngircd) and to play a participant
(``loopback.irc_participant``) lives here. Nothing here imports ``meetbot``.
"""
