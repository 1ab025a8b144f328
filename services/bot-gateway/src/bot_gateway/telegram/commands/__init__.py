"""The bot's commands, a module per thing a user does: thin translators from a Telegram message
into a query, a confirmation or a command. The rules they follow are in ``bot_gateway.domain``."""
