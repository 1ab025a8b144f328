from sosenki_platform.runner import main

from bot_gateway.app import MIGRATIONS
from bot_gateway.settings import Settings

main("bot_gateway.app:create_app", Settings(), MIGRATIONS)
