"""The scheduler: finds due occurrences and emits them, in any number of instances at once.

Each tick claims due patterns in batches (``FOR UPDATE SKIP LOCKED``), emits their due
occurrences in order (all missed ones, or only the latest, per pattern) and moves each pattern to
its next occurrence, in one transaction per batch. Two instances never claim the same pattern, and
each occurrence row is unique per (pattern, number), so an occurrence is emitted once; the command
id ``recurring:<pattern>:<number>`` makes the target apply it once even if a command is published
twice.
"""

from __future__ import annotations

import asyncio

from sosenki_platform.failures import is_transient
from sosenki_platform.logging import get_logger
from sosenki_platform.service import Runtime
from sosenki_platform.use_case import Clock

from recurring.context import SERVICE, context, emission_context
from recurring.use_cases.occurrences import Pass, emit_due

log = get_logger(__name__)


class Scheduler:
    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        *,
        interval: float = 1.0,
        batch_size: int = 100,
        catch_up_limit: int = 100,
        occurrences_per_pass: int | None = None,
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self.interval = interval
        self.batch_size = batch_size
        self.catch_up_limit = catch_up_limit
        self.occurrences_per_pass = occurrences_per_pass
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def tick(self) -> int:
        """Emit everything due now; returns how many patterns were emitted. Goes on while whole
        batches go out, or a pass left claimed patterns for the next one (its occurrence budget
        spent); a batch with a failing pattern ends the tick; the next tick retries."""
        emitted = 0
        while True:
            try:
                done = await self._pass()
            except Exception as exc:
                if is_transient(exc):
                    raise
                # The database refused the batch's writes together: write this batch pattern by
                # pattern, so one bad pattern (left due, logged) does not hold up the others.
                log.error("scheduler_batch_refused", error=repr(exc)[:500])
                done = await self._pass(batched=False)
            emitted += done.emitted
            failed = done.claimed - done.left - done.emitted
            if failed or (not done.left and done.claimed < self.batch_size):
                return emitted

    async def _pass(self, batched: bool = True) -> Pass:
        async with self.runtime.unit_of_work() as session:
            if not batched:
                ctx = context(self.runtime, session, SERVICE, self.clock)
                return await emit_due(
                    ctx, self.batch_size, self.catch_up_limit, self.occurrences_per_pass
                )
            ctx, writes = emission_context(self.runtime, session, self.clock)
            done = await emit_due(
                ctx, self.batch_size, self.catch_up_limit, self.occurrences_per_pass
            )
            await writes.flush()
            return done

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="recurring-scheduler")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._stopping.set()
        await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                claimed = await self.tick()
                if claimed:
                    log.info("occurrences_emitted", patterns=claimed)
            except Exception as exc:  # the database is away: try again next tick
                log.warning("scheduler_tick_failed", error=repr(exc))
            try:
                await asyncio.wait_for(self._stopping.wait(), timeout=self.interval)
            except TimeoutError:
                pass
