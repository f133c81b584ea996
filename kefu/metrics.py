"""Prometheus metrics of this process (prometheus-client).

Instruments are module globals in the client's default registry: cheap to update on hot
paths (a lock and an add). With several processes behind one address, set
``PROMETHEUS_MULTIPROC_DIR`` to an empty directory shared by them before they start;
each process then writes its values there and ``/metrics`` adds them all up
(docs/operations.md)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "kefu_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "kefu_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OPEN_WEBSOCKETS = Gauge(
    "kefu_websockets_open",
    "WebSockets open now, by kind (agent, visitor).",
    ["kind"],
    multiprocess_mode="livesum",
)
MESSAGES = Counter(
    "kefu_messages",
    "Chat messages stored, by sender (visitor, agent, bot, system).",
    ["sender"],
)
JOB_ATTEMPTS = Counter(
    "kefu_job_attempts",
    "Background job attempts by outcome (delivered, retry, dead).",
    ["job", "outcome"],
)
GROUP_COMMIT_BATCH = Histogram(
    "kefu_group_commit_batch_size",
    "Chat writes committed together in one transaction.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)

JOB_STATES = ("queued", "running", "dead")


def jobs_collector(counts: dict[str, int]) -> Collector:
    """The webhook deliveries waiting, running and dead, as read from the database at
    scrape time (the database is shared, so no process counts them on its own)."""

    class Jobs(Collector):
        def collect(self):  # type: ignore[no-untyped-def]
            family = GaugeMetricFamily(
                "kefu_jobs", "Background jobs in the database by state.", labels=["job", "state"]
            )
            for state in JOB_STATES:
                family.add_metric(["webhook_delivery", state], counts.get(state, 0))
            yield family

    return Jobs()


def exposition(counts: dict[str, int]) -> tuple[bytes, str]:
    """The text Prometheus scrapes: this process (or all of them in multi-process mode)
    followed by the job counts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    jobs = CollectorRegistry()
    jobs.register(jobs_collector(counts))
    return generate_latest(registry) + generate_latest(jobs), CONTENT_TYPE_LATEST
