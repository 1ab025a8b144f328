import sys

from sosenki_platform.runner import main

from reporting.app import MIGRATIONS
from reporting.settings import Settings

if sys.argv[1:] == ["rebuild"]:
    from reporting.rebuild import main as rebuild

    rebuild(Settings())
else:
    main("reporting.app:create_app", Settings(), MIGRATIONS)
