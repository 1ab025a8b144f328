from sosenki_platform.runner import main

from splits.app import MIGRATIONS
from splits.settings import Settings

main("splits.app:create_app", Settings(), MIGRATIONS)
