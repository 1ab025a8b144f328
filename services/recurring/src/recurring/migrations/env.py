from recurring.adapters.tables import metadata
from sosenki_platform.migrations import run_env

run_env(metadata)
