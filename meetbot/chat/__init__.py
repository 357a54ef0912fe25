"""The live meeting bot (issue 17): a chat transport (IRC today), the channel lease,
the store that keeps every line and runs MeetBot's commands, and the bot loop.

``flask --app meetbot chat-bot`` (meetbot.cli.chat) starts it; docs/chat-bot.md
describes it, and what a Matrix transport would take."""
