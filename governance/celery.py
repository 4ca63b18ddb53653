"""The Celery application: three queues and the periodic tasks, declared in code."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings.local")

# Every task retries a lost database connection (governance.background.PlatformTask).
app = Celery("rongzhi", task_cls="governance.background:PlatformTask")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("dispatch", "default", "scores")


def _configure() -> None:
    from django.conf import settings

    for folder in ("out", "processed", "control"):
        if settings.CELERY_BROKER_URL == "filesystem://":
            (settings.CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    app.conf.update(
        task_queues=[Queue(name) for name in QUEUES],
        task_default_queue="default",
        # Latency-sensitive work (alert dispatch, SLA sweeps) never waits behind bulk recomputation.
        task_routes={
            "stations.*": {"queue": "dispatch"},
            "peace_index.*": {"queue": "scores"},
        },
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=300,
        task_time_limit=360,
        timezone="Asia/Shanghai",
        enable_utc=True,
        broker_connection_retry_on_startup=True,
        # A request that enqueues work must not hang on a dead broker: try briefly, then give up
        # (on_commit_delay logs it) and let the periodic sweeps pick the work up later.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        broker_transport_options={
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "socket_connect_timeout": 2,
            "socket_timeout": 5,
        }
        if settings.REDIS_URL
        else settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        beat_schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILE,
        beat_schedule={
            # Liveness of the background machinery, shown on /healthz: a stale heartbeat means no
            # worker or no beat is running, which an administrator must see within a minute.
            "worker-heartbeat": {
                "task": "governance.heartbeat",
                "schedule": settings.CELERY_HEARTBEAT_SECONDS,
            },
            # Outbox sweep: a message whose enqueue was lost (broker down at commit time, worker
            # killed) is picked up again; once a minute keeps the worst-case delay short.
            # The 1310 clocks: a one-minute limit needs a sweep every few seconds to escalate in time.
            "stations-sla-sweep": {
                "task": "stations.sla_sweep",
                "schedule": 5.0,
            },
            # Summons check-in deadlines (emergency 30 min, routine 72 h): once a minute flags a
            # missed check-in within a minute of its deadline, at the cost of one small query.
            "stations-summons-sweep": {
                "task": "stations.summons_sweep",
                "schedule": 60.0,
            },
            # Dispute time boxes are days long: a sweep every five minutes escalates within minutes
            # of a deadline, and reminders (days ahead) need no finer cadence.
            "disputes-escalation-sweep": {
                "task": "disputes.escalation_sweep",
                "schedule": settings.CELERY_DISPUTES_SWEEP_SECONDS,
            },
            "disputes-reminder-sweep": {
                "task": "disputes.reminder_sweep",
                "schedule": 300.0,
            },
            # Retention is counted in years: a nightly pass anonymises the cases whose period
            # ended that day, at an hour when nobody works them.
            "disputes-retention-sweep": {
                "task": "disputes.retention_sweep",
                "schedule": crontab(hour=4, minute=20),
            },
            # Stars move with verified hours over twelve months: a nightly pass is enough (a
            # verification recomputes that volunteer at once), and it runs when nobody claims.
            "volunteers-star-recompute": {
                "task": "volunteers.star_recompute",
                "schedule": crontab(hour=3, minute=10),
            },
            # Recurring tasks (school-gate duty on school days) are generated two weeks ahead;
            # extending the horizon by a day needs one run a day.
            "volunteers-occurrences-sweep": {
                "task": "volunteers.occurrences_sweep",
                "schedule": crontab(hour=2, minute=30),
            },
            # Points expire after VOLUNTEER_POINTS_EXPIRE_DAYS: a day's precision is all the
            # period needs, and the pass runs at night, away from the claims and redemptions.
            "volunteers-points-expire": {
                "task": "volunteers.points_expire",
                "schedule": crontab(hour=3, minute=40),
            },
            # Volunteers are reminded an hour before a claimed task: every five minutes is
            # precise enough for an hour's notice, at the cost of one small indexed query.
            "volunteers-reminder-sweep": {
                "task": "volunteers.reminder_sweep",
                "schedule": 300.0,
            },
            # Peace index: new alerts and dispute changes mark their county's month once a minute
            # (the recomputation itself is debounced); a full run every night re-derives this
            # month and the last from the database, so nothing depends on a mark being seen.
            "peace-index-events-sweep": {
                "task": "peace_index.events_sweep",
                "schedule": 60.0,
            },
            "peace-index-nightly-recompute": {
                "task": "peace_index.scheduled_recompute",
                "schedule": crontab(hour=1, minute=40),
            },
            "notifications-sweep": {
                "task": "governance.sweep_outbound_messages",
                "schedule": settings.CELERY_NOTIFY_SWEEP_SECONDS,
            },
            # Tasks the broker refused while it was down wait in the database (PendingTask); every
            # ten seconds hands them over soon after it is back, at the cost of one indexed query.
            "pending-tasks-publish": {
                "task": "governance.publish_pending_tasks",
                "schedule": settings.CELERY_OUTBOX_SWEEP_SECONDS,
            },
            # The audit trail's monthly partitions are kept three months ahead (governance/partitions.py):
            # once a day is ample (a beat stopped for weeks still finds next month ready), a run that
            # finds nothing missing is one catalogue query, and 04:50 is quiet for the brief lock a
            # new partition takes. Does nothing until an operator has converted the table.
            "audit-partitions-ahead": {
                "task": "governance.audit_partitions_ahead",
                "schedule": crontab(hour=4, minute=50),
            },
        },
    )


_configure()
app.autodiscover_tasks()

# The request id follows a request into the tasks it enqueues (signal handlers on import).
import governance.structured_logs  # noqa: E402, F401
