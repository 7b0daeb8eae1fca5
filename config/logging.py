import re

from django.views.debug import SafeExceptionReporterFilter


class SecretHidingFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding URLs that may carry passwords (database, broker)."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATABASE_URL|BROKER|BACKEND_URL|"
        "RESULT_BACKEND",
        flags=re.IGNORECASE,
    )
