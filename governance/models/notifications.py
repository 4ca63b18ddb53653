"""In-app inbox and outbound channels (group-robot webhooks, SMS gateway, e-mail)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An item in a user's in-app inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=50, default="system")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    # The same event delivered twice (a retried task, a repeated request) lands once.
    idempotency_key = models.CharField(max_length=150, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="inbox_recipient_unread")
        ]

    def __str__(self) -> str:
        return self.title


class OutboundChannel(models.Model):
    """A configured way out of the platform. None is required; administrators add them."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")
        SMS = "sms", _("SMS gateway (HTTP)")
        EMAIL = "email", _("E-mail")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    endpoint = models.URLField(_("endpoint URL"), max_length=500, blank=True)
    secret = models.CharField(_("secret or API key"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("outbound channel")
        verbose_name_plural = _("outbound channels")

    def __str__(self) -> str:
        return self.name

    @property
    def addresses_people(self) -> bool:
        """SMS and e-mail go to a person; group robots post to a group."""
        return self.kind in (self.Kind.SMS, self.Kind.EMAIL)


class OutboundMessage(models.Model):
    """One message to send through one channel; sent at most once (see ``outbound_message_deliver``)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    channel = models.ForeignKey(OutboundChannel, on_delete=models.PROTECT, related_name="messages")
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbound_status_due")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.subject}"


class DeliveryAttempt(models.Model):
    """Every attempt to send an outbound message, kept for the administrator."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Sent")
        TRANSIENT_ERROR = "transient", _("Transient error, will retry")
        PERMANENT_ERROR = "permanent", _("Permanent error")

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["message_id", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="attempt_number_unique")]

    def __str__(self) -> str:
        return f"#{self.number} {self.outcome}"
