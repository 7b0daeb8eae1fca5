"""check_ses: the account's facts from the SES stand-in, stored for delivery; a clear error when
SES does not answer."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from delivery.models import SesAccount
from tests.services import free_port

pytestmark = pytest.mark.django_db


def test_it_shows_the_sandbox_quota_rate_and_which_addresses_are_verified(ses, settings):
    settings.SES_MAX_SEND_RATE = 1
    ses.client().verify_email_identity(EmailAddress="cfo@example.com")
    out = StringIO()
    call_command("check_ses", "cfo@example.com", "ceo@example.com", stdout=out)
    text = out.getvalue()
    assert "sandbox: yes" in text
    assert "0 of 200 sent in the last 24 hours; max send rate 1/s" in text
    assert "sender reports@quarterdeck.test (SES_FROM_ADDRESS): verified" in text
    assert "cfo@example.com: can receive (verified)" in text
    assert "ceo@example.com: NOT verified" in text
    assert "1 problem(s) found." in text
    account = SesAccount.objects.get()
    assert account.sandbox and "cfo@example.com" in account.verified_identities
    assert "GetSendQuota" in account.source  # moto does not answer sesv2 GetAccount


def test_a_rate_above_the_accounts_is_flagged(ses, settings):
    settings.SES_MAX_SEND_RATE = 5
    out = StringIO()
    call_command("check_ses", stdout=out)
    assert "SES_MAX_SEND_RATE=5 is above the account's 1/s" in out.getvalue()


def test_an_unverified_sender_is_flagged(ses):
    ses.reset()
    out = StringIO()
    call_command("check_ses", stdout=out)
    assert "NOT verified: SES refuses to send from it" in out.getvalue()


def test_ses_not_answering_is_a_clear_error_without_a_traceback(ses, settings):
    settings.AWS_SES_REGION_ENDPOINT_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="did not answer"):
        call_command("check_ses")
    assert not SesAccount.objects.exists()


def test_in_a_fresh_process_it_exits_1_with_one_line_of_reason(run_manage):
    result = run_manage(
        "check_ses",
        env={"AWS_SES_REGION_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
             "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
             "DATABASE_URL": "sqlite:///:memory:"},
    )
    assert result.returncode == 1
    assert "did not answer" in result.stderr and "Traceback" not in result.stderr
