"""What the configured log handlers write: never the token of a one-click link."""

from __future__ import annotations

import io
import logging

import pytest

from config.redaction import signed_links_hidden

TOKEN = "eyJpIjoxLCJ1IjoiY2FwLTEifQ:1xZbyV:SeCrEtPaRtOfTheLink"


@pytest.mark.parametrize("text, shown", [
    (f"Gone: /crew/done/{TOKEN}/", "Gone: /crew/done/…/"),
    (f'"POST /reports/unsubscribe/{TOKEN}/ HTTP/1.1" 200 3',
     '"POST /reports/unsubscribe/…/ HTTP/1.1" 200 3'),
    (f"/crew/done/{TOKEN}?x=1 and /crew/done/{TOKEN}", "/crew/done/…?x=1 and /crew/done/…"),
    ("/reports/cfo/ and /crew/qdn/charter-1/", "/reports/cfo/ and /crew/qdn/charter-1/"),
])  # fmt: skip
def test_the_rule_hides_only_the_token(text, shown):
    assert signed_links_hidden(text) == shown


@pytest.fixture
def written():
    """What the configured handlers of the root and of runserver's logger write."""
    handlers = [h for name in ("", "django.server") for h in logging.getLogger(name).handlers
                if type(h) is logging.StreamHandler]  # not pytest's own  # fmt: skip
    assert len(handlers) == 2, handlers
    stream = io.StringIO()
    before = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, before, strict=True):
        handler.setStream(old)


def test_a_refused_link_is_logged_without_its_token(client, written):
    response = client.get(f"/crew/done/{TOKEN}/")
    assert response.status_code == 400
    client.get(f"/reports/unsubscribe/{TOKEN}/")
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /crew/done/{TOKEN}/ HTTP/1.1",
                                            "400", "12", extra={"status_code": 400})  # fmt: skip
    text = written.getvalue()
    assert TOKEN not in text
    assert "Bad Request: /crew/done/…/" in text
    assert '"GET /crew/done/…/ HTTP/1.1" 400 12' in text


def test_other_lines_keep_their_arguments(written):
    logging.getLogger("crew").warning("event %s of %s", "charter-1", "qdn")
    assert "event charter-1 of qdn" in written.getvalue()


@pytest.mark.parametrize("name", ["django.request", "django.server", "axes", "crew.api", "reports",
                                  "delivery.tasks", "celery"])  # fmt: skip
def test_every_handler_a_line_reaches_hides_the_tokens(name):
    from config.redaction import SignedLinksHidden

    logger, reached = logging.getLogger(name), []
    while logger:
        reached += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    assert reached
    for handler in reached:
        assert any(isinstance(f, SignedLinksHidden) for f in handler.filters), (name, handler)
