"""python manage.py issue_crew_token --user-id U --entity SLUG [--ttl 3600] [--role captain]"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crew.tokens import ROLES, token_issue
from entities.models import Entity
from entities.selectors import entity_get

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Print a crew API bearer token for one crew-app user in one entity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user-id", required=True, help="the crew app's id of the user")
        parser.add_argument("--entity", required=True, help="the entity's slug")
        parser.add_argument("--ttl", type=int, default=3600, help="seconds it is valid")
        parser.add_argument("--role", choices=ROLES, default="crew")

    def handle(self, *args: Any, **options: Any) -> None:
        user_id = options["user_id"].strip()
        if not user_id or len(user_id) > 100:
            raise CommandError("--user-id must be 1 to 100 characters.")
        if options["ttl"] <= 0:
            raise CommandError("--ttl must be a positive number of seconds.")
        try:
            entity = entity_get(slug=options["entity"])
        except Entity.DoesNotExist:
            raise CommandError(f"No entity with slug {options['entity']!r}.") from None
        token, claims = token_issue(
            user_id=user_id, entity=entity.slug, role=options["role"],
            ttl=dt.timedelta(seconds=options["ttl"]),
        )  # fmt: skip
        # The token goes to stdout only; logs and stderr name its jti.
        logger.info("crew token issued jti=%s sub=%s entity=%s", claims.jti, claims.sub,
                    claims.entity)  # fmt: skip
        self.stdout.write(token)
        self.stderr.write(f"jti {claims.jti}, expires {claims.expires_at:%Y-%m-%d %H:%M} UTC")
