"""OpenTelemetry tracing: one trace from a REST call through the outbox and Kafka to consumers.

The W3C ``traceparent`` of the request that appended an event is stored with its outbox row; the
relay sends it as a Kafka header and consumers continue the trace from it.

Background loops (the outbox relay, schedulers, the Telegram sender, upkeep) poll the database
all the time. Database spans are therefore made only inside a trace (:func:`inside_traces_only`):
idle polling makes no traces, and when a loop finds work it opens a span in that work's trace
(the relay from the row's stored ``traceparent``), under which its queries are recorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

_provider: TracerProvider | None = None


def setup_tracing(
    service_name: str, otlp_endpoint: str = "", sample_ratio: float = 1.0
) -> TracerProvider:
    """Install a tracer provider once per process; export over OTLP/HTTP when an endpoint is set.
    ``sample_ratio`` below 1 records only that share of new traces (a busy service spends a
    noticeable part of each request on spans)."""
    global _provider
    if _provider is not None:
        return _provider
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    _provider = provider
    return provider


class _InsideTracesOnlyTracer(trace.Tracer):
    """Starts a span only under a current span; a span with no parent would be a lone poll."""

    def __init__(self, inner: trace.Tracer) -> None:
        self._inner = inner

    def start_span(self, name: str, context: Context | None = None, *args: Any, **kw: Any) -> Any:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self._inner.start_span(name, context, *args, **kw)

    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self, name: str, context: Context | None = None, *args: Any, **kw: Any
    ) -> Iterator[Any]:
        if not trace.get_current_span(context).get_span_context().is_valid:
            yield trace.INVALID_SPAN
            return
        with self._inner.start_as_current_span(name, context, *args, **kw) as span:
            yield span


class _InsideTracesOnly(trace.TracerProvider):
    def __init__(self, inner: trace.TracerProvider) -> None:
        self._inner = inner

    def get_tracer(self, *args: Any, **kw: Any) -> trace.Tracer:
        return _InsideTracesOnlyTracer(self._inner.get_tracer(*args, **kw))


def inside_traces_only(provider: trace.TracerProvider) -> trace.TracerProvider:
    """A provider for instrumentation of background work (database statements): its spans
    exist only inside a trace that something else started."""
    return _InsideTracesOnly(provider)


def shutdown_tracing() -> None:
    if _provider is not None:
        _provider.force_flush(timeout_millis=2000)


def tracer(name: str = "sosenki") -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_headers(headers: Mapping[str, str]) -> Context:
    return propagate.extract(dict(headers))


def current_ids() -> tuple[str | None, str | None]:
    """(trace_id, span_id) of the current span as hex, or (None, None) outside a span."""
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid:
        return None, None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")
