"""Talking to SES besides sending: reading the account, and telling one kind of send error from
another. The send itself goes through django-ses (EMAIL_BACKEND)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
)
from django_ses.conf import settings as ses_settings

# SES answered: these will not change by trying again.
PERMANENT_CODES = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerified",
        "MailFromDomainNotVerifiedException",
        "ConfigurationSetDoesNotExist",
        "ConfigurationSetDoesNotExistException",
        "ConfigurationSetSendingPausedException",
        "AccountSendingPausedException",
        "InvalidParameterValue",
        "InvalidParameterCombination",
        "MissingParameter",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
    }
)
# SES answered "not now": try again later.
PASSING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "InternalFailure",
        "RequestTimeout",
    }
)


class SendErrorKind(enum.Enum):
    PASSING = "passing"  # surely not sent; retry with backoff
    PERMANENT = "permanent"  # surely not sent; fail with the reason
    AMBIGUOUS = "ambiguous"  # the request may have reached SES: never resend on our own


def send_error_kind(exc: BaseException) -> SendErrorKind:
    """1. SES answered with an error code: passing (throttled, unavailable) or permanent.
    2. No connection was made: nothing reached SES, so it is safe to retry.
    3. Anything else during the call (a read timeout, a dropped connection, the worker's time
       limit) may have happened after SES accepted the message: ambiguous."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code", "")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in PASSING_CODES or (code not in PERMANENT_CODES and status >= 500):
            return SendErrorKind.PASSING
        return SendErrorKind.PERMANENT
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return SendErrorKind.PASSING
    if isinstance(exc, NoCredentialsError):
        return SendErrorKind.PERMANENT
    return SendErrorKind.AMBIGUOUS


def send_error_text(exc: BaseException) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"SES {error.get('Code', '?')}: {error.get('Message', '')}".strip()
    return f"{type(exc).__name__}: {exc}"


# Building a boto3 client loads SES's service model: about half a second on a busy machine, against
# some 30 ms for the send itself. Each worker process keeps one open django-ses backend per
# configuration, as it keeps a database connection; a changed setting makes a new one.
_open_backends: dict[tuple[Any, ...], Any] = {}


def ses_backend() -> Any:
    """An open django-ses backend of this process, for the current settings."""
    from django_ses import SESBackend

    key = (
        ses_settings.AWS_SES_REGION_NAME,
        ses_settings.AWS_SES_REGION_ENDPOINT_URL,
        ses_settings.ACCESS_KEY,
        ses_settings.SECRET_KEY,
        ses_settings.SESSION_TOKEN,
        id(ses_settings.AWS_SES_CONFIG),
    )
    backend = _open_backends.get(key)
    if backend is None:
        backend = SESBackend(fail_silently=False)
        backend.open()
        _open_backends.clear()  # only the current configuration is kept
        _open_backends[key] = backend
    return backend


class SesUnavailable(Exception):
    """SES did not answer, or refused our credentials; the message says why."""


@dataclass(frozen=True)
class SesAccountFacts:
    region: str
    source: str
    sandbox: bool
    sending_enabled: bool | None
    max_24_hour_send: float
    max_send_rate: float
    sent_last_24_hours: float
    verified_identities: list[str] = field(default_factory=list)


def _client(service: str) -> Any:
    # The same region, endpoint, credentials and botocore Config as django-ses's sends.
    session = boto3.Session(
        aws_access_key_id=ses_settings.ACCESS_KEY,
        aws_secret_access_key=ses_settings.SECRET_KEY,
        aws_session_token=ses_settings.SESSION_TOKEN,
    )
    return session.client(
        service,
        region_name=ses_settings.AWS_SES_REGION_NAME,
        endpoint_url=ses_settings.AWS_SES_REGION_ENDPOINT_URL,
        config=ses_settings.AWS_SES_CONFIG,
    )


def ses_account_read() -> SesAccountFacts:
    """Read the account from SES.

    1. sesv2 GetAccount says outright whether production access is enabled.
    2. Where it is not answered (moto's stand-in does not implement it), SES v1 GetSendQuota:
       the sandbox is then inferred from the sandbox's quota (200 a day at 1 a second).
    3. Verified identities: ListIdentities, then GetIdentityVerificationAttributes, since a
       listed identity may still be pending.
    """
    region = ses_settings.AWS_SES_REGION_NAME
    try:
        v1 = _client("ses")
        try:
            account = _client("sesv2").get_account()
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if status not in (404, 501):
                raise
            quota = v1.get_send_quota()
            source = "ses GetSendQuota (sesv2 GetAccount not answered)"
            max_day, rate = float(quota["Max24HourSend"]), float(quota["MaxSendRate"])
            sandbox, enabled, sent = max_day <= 200 and rate <= 1, None, quota["SentLast24Hours"]
        else:
            quota = account.get("SendQuota", {})
            source = "sesv2 GetAccount"
            max_day, rate = float(quota.get("Max24HourSend", 0)), float(quota.get("MaxSendRate", 0))
            sandbox = not account.get("ProductionAccessEnabled", False)
            enabled, sent = account.get("SendingEnabled"), quota.get("SentLast24Hours", 0)
        identities: list[str] = []
        for page in v1.get_paginator("list_identities").paginate():
            identities.extend(page["Identities"])
        verified: list[str] = []
        for start in range(0, len(identities), 100):  # the call takes at most 100 at a time
            batch = identities[start : start + 100]
            attributes = v1.get_identity_verification_attributes(Identities=batch)
            verified.extend(
                name.lower()
                for name, attrs in attributes["VerificationAttributes"].items()
                if attrs.get("VerificationStatus") == "Success"
            )
    except (BotoCoreError, ClientError) as exc:
        raise SesUnavailable(f"SES ({region}) did not answer: {send_error_text(exc)}") from exc
    return SesAccountFacts(
        region=region,
        source=source,
        sandbox=sandbox,
        sending_enabled=enabled,
        max_24_hour_send=max_day,
        max_send_rate=rate,
        sent_last_24_hours=float(sent),
        verified_identities=sorted(set(verified)),
    )
