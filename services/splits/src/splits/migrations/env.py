from sosenki_platform.migrations import run_env
from splits.adapters.tables import metadata

run_env(metadata)
