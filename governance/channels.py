"""Outbound channel senders: WeCom and DingTalk group robots, an SMS gateway over HTTP, e-mail.

Each sender either returns (delivered) or raises ``TransientDeliveryError`` (worth retrying:
timeouts, connection errors, HTTP 5xx and 429, the robots' rate-limit codes) or
``PermanentDeliveryError`` (retrying cannot help: a bad URL, HTTP 4xx, a rejected key).
Every request carries the message's idempotency key so a gateway can drop a duplicate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from django.core.mail import send_mail

from governance.models import OutboundChannel, OutboundMessage


class DeliveryError(Exception):
    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class TransientDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


# Robot error codes that mean "slow down", not "wrong": WeCom 45009, DingTalk 130101 / 660026.
_ROBOT_RATE_LIMIT_CODES = {45009, 130101, 660026}


def _post_json(url: str, payload: dict[str, Any], *, key: str, headers: dict[str, str] | None = None) -> Any:
    try:
        response = requests.post(
            url,
            json=payload,
            timeout=settings.NOTIFY_HTTP_TIMEOUT_SECONDS,
            headers={"Idempotency-Key": key, **(headers or {})},
        )
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    except requests.RequestException as exc:
        raise PermanentDeliveryError(f"{type(exc).__name__}: {exc}") from exc
    status = response.status_code
    if status >= 500 or status == 429:
        raise TransientDeliveryError(f"HTTP {status}: {response.text[:200]}", http_status=status)
    if status >= 400:
        raise PermanentDeliveryError(f"HTTP {status}: {response.text[:200]}", http_status=status)
    try:
        return response.json()
    except ValueError:
        return {}


def _robot_result(body: Any) -> None:
    code = body.get("errcode", 0) if isinstance(body, dict) else 0
    if code in _ROBOT_RATE_LIMIT_CODES:
        raise TransientDeliveryError(f"robot rate limit: {body}", http_status=200)
    if code:
        raise PermanentDeliveryError(f"robot refused: {body}", http_status=200)


def _text(message: OutboundMessage) -> str:
    return f"{message.subject}\n{message.body}".strip()


def send_wecom(channel: OutboundChannel, message: OutboundMessage) -> None:
    body = _post_json(
        channel.endpoint,
        {"msgtype": "text", "text": {"content": _text(message)}},
        key=message.idempotency_key,
    )
    _robot_result(body)


def dingtalk_signed_url(endpoint: str, secret: str, *, timestamp_ms: int) -> str:
    """DingTalk's signed robot URL: HMAC-SHA256 over ``"{timestamp}\\n{secret}"``, base64, url-quoted."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    sign = base64.b64encode(hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()).decode()
    joiner = "&" if "?" in endpoint else "?"
    return f"{endpoint}{joiner}timestamp={timestamp_ms}&sign={urllib.parse.quote_plus(sign)}"


def send_dingtalk(channel: OutboundChannel, message: OutboundMessage) -> None:
    url = channel.endpoint
    if channel.secret:
        url = dingtalk_signed_url(url, channel.secret, timestamp_ms=int(time.time() * 1000))
    body = _post_json(
        url, {"msgtype": "text", "text": {"content": _text(message)}}, key=message.idempotency_key
    )
    _robot_result(body)


def send_sms(channel: OutboundChannel, message: OutboundMessage) -> None:
    headers = {"Authorization": f"Bearer {channel.secret}"} if channel.secret else {}
    _post_json(
        channel.endpoint,
        {"phone": message.address, "message": _text(message), "idempotency_key": message.idempotency_key},
        key=message.idempotency_key,
        headers=headers,
    )


def send_email(channel: OutboundChannel, message: OutboundMessage) -> None:
    try:
        send_mail(message.subject, message.body, None, [message.address], fail_silently=False)
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError) as exc:
        raise TransientDeliveryError(str(exc)) from exc
    except smtplib.SMTPException as exc:
        raise PermanentDeliveryError(str(exc)) from exc


SENDERS: dict[str, Callable[[OutboundChannel, OutboundMessage], None]] = {
    OutboundChannel.Kind.WECOM: send_wecom,
    OutboundChannel.Kind.DINGTALK: send_dingtalk,
    OutboundChannel.Kind.SMS: send_sms,
    OutboundChannel.Kind.EMAIL: send_email,
}
