import sys

from reporting.settings import MIGRATIONS, Settings

if sys.argv[1:] == ["rebuild"]:
    # Only what the rebuild needs: the web app's imports take seconds to load.
    from reporting.rebuild import main as rebuild

    rebuild(Settings())
else:
    from sosenki_platform.runner import main

    main("reporting.app:create_app", Settings(), MIGRATIONS)
