from sosenki_platform.runner import main

from ledger.app import MIGRATIONS
from ledger.settings import Settings

main("ledger.app:create_app", Settings(), MIGRATIONS)
