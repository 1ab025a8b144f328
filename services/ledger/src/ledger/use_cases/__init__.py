"""The ledger's use cases: one module per thing a treasurer (or an owner) does, each a set of plain
``async def handler(command, ctx)`` functions called alike by REST routes and Kafka commands
(``ledger.commands``). A handler checks permissions (``access``), applies the domain rules
(``ledger.domain``), writes through ``ctx.repo`` and publishes the contract's typed events
through ``ctx.publish``, all in the caller's transaction."""
