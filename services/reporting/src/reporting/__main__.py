from sosenki_platform.runner import main

from reporting.app import MIGRATIONS
from reporting.settings import Settings

main("reporting.app:create_app", Settings(), MIGRATIONS)
