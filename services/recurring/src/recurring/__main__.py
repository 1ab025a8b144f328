from sosenki_platform.runner import main

from recurring.app import MIGRATIONS
from recurring.settings import Settings

main("recurring.app:create_app", Settings(), MIGRATIONS)
