"""The recurring service's tables (its own database)."""

from __future__ import annotations

from sosenki_platform.tables import add_platform_tables
from sqlalchemy import MetaData

metadata = MetaData()
platform = add_platform_tables(metadata)
