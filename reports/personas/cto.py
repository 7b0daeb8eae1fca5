"""CTO / VP Engineering: "What runs where, and what is fragile?"

The stack inventory across entities (and what they share: the same cloud services, payment
provider, bookkeeping), tech debt by severity, what was opened and resolved since the previous
note, and security-related items first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from reports.personas.common import by_severity, detailed, item_changes
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    ItemData,
    ReportData,
    SnapshotData,
    Source,
)

NEEDS = DataNeeds(item_depth={"tech_stack": 1, "tech_debt": 2, "risk": 1})
COLUMNS = ("critical", "high", "medium", "low", "unrated")  # open tech debt, counted by these
SEVERE = ("critical", "high")  # named item by item on the portfolio, for every entity
PORTFOLIO_LIST_LIMIT = 25

# Services recognised in tech-stack lines, so "Static website on AWS S3 + CloudFront" and
# "AWS CloudFront in front of the website" count as the same CloudFront. A line that names
# nothing known is still listed, as written, under its entity.
_CATALOGUE: tuple[tuple[str, str, str], ...] = (
    # (service, vendor, pattern)
    ("AWS Route 53", "AWS", r"route ?53"),
    ("AWS CloudFront", "AWS", r"cloudfront"),
    ("AWS S3", "AWS", r"s3"),
    ("AWS EC2", "AWS", r"ec2"),
    ("AWS RDS", "AWS", r"rds"),
    ("AWS Lambda", "AWS", r"lambdas?"),
    ("AWS API Gateway", "AWS", r"api gateway"),
    ("AWS DynamoDB", "AWS", r"dynamo ?db"),
    ("AWS Cognito", "AWS", r"cognito"),
    ("AWS SES", "AWS", r"(?:aws|amazon) ses|ses for"),
    ("AWS WAF", "AWS", r"waf"),
    ("AWS EventBridge", "AWS", r"eventbridge"),
    ("AWS Certificate Manager", "AWS", r"acm|certificate manager"),
    ("AWS IAM", "AWS", r"iam"),
    ("AWS Parameter Store", "AWS", r"ssm|parameter store"),
    ("AWS CloudWatch", "AWS", r"cloudwatch"),
    ("Google Workspace", "Google", r"google workspace|g suite|gsuite"),
    ("Google Sheets", "Google", r"google sheets?"),
    ("Google Ads", "Google", r"google ads"),
    ("Google Analytics", "Google", r"google analytics|ga4"),
    ("Stripe", "Stripe", r"stripe"),
    ("PayPal", "PayPal", r"paypal"),
    ("Square", "Square", r"square(?!space)"),
    ("Wise", "Wise", r"wise business|wise account|\bwise\b"),
    ("QuickBooks Online", "Intuit", r"quickbooks"),
    ("Xero", "Xero", r"xero"),
    ("Gusto", "Gusto", r"gusto"),
    ("Harvest", "Harvest", r"harvest"),
    ("HubSpot", "HubSpot", r"hubspot"),
    ("Salesforce", "Salesforce", r"salesforce"),
    ("Twilio", "Twilio", r"twilio"),
    ("Slack", "Slack", r"slack"),
    ("SendGrid", "Twilio", r"sendgrid"),
    ("Mailchimp", "Intuit", r"mailchimp"),
    ("GitHub", "GitHub", r"github"),
    ("GitLab", "GitLab", r"gitlab"),
    ("Sentry", "Sentry", r"sentry"),
    ("Cloudflare", "Cloudflare", r"cloudflare"),
    ("Vercel", "Vercel", r"vercel"),
    ("Netlify", "Netlify", r"netlify"),
    ("Heroku", "Salesforce", r"heroku"),
    ("DigitalOcean", "DigitalOcean", r"digital ?ocean"),
    ("Notion", "Notion", r"notion"),
    ("1Password", "1Password", r"1password"),
    ("Dropbox", "Dropbox", r"dropbox"),
    ("Squarespace", "Squarespace", r"squarespace"),
    ("Calendly", "Calendly", r"calendly"),
    ("Shopify", "Shopify", r"shopify"),
    ("WordPress", "WordPress", r"wordpress"),
    ("Wix", "Wix", r"\bwix\b"),
    ("Airtable", "Airtable", r"airtable"),
    ("Zapier", "Zapier", r"zapier"),
    ("DocuSign", "DocuSign", r"docusign"),
    ("Jobber", "Jobber", r"jobber"),
    ("Navionics", "Garmin", r"navionics"),
)
_PATTERNS = [
    (service, vendor, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE))
    for service, vendor, pattern in _CATALOGUE
]

# Words that make a tech-debt item or a risk a security matter. A heuristic, so the report
# says "security-related", lists such items first, and never hides the others.
_SECURITY = re.compile(
    r"(?<![\w-])(?:mfa|2fa|two[- ]factor|passwords?|passcodes?|pin|credentials?|secrets?|"
    r"tokens?|api keys?|access keys?|root|admin|iam|tls|ssl|https|encrypt\w*|vulnerab\w*|"
    r"cves?|exploit\w*|breach\w*|phishing|malware|ransomware|firewall|waf|ddos|public(?:ly)?|"
    r"permissions?|privileges?|audit trail|takeover|signatures?|logins?|sso|pii|gdpr|hipaa|"
    r"pci|leak\w*|exposed|exposure of|offboard\w*|access logs?|shared access|throttl\w*|"
    r"rate[- ]limit\w*|scrapers?|personal (?:email|gmail|dropbox|account)|passports?|"
    r"bank details|wi-?fi)(?![\w-])",
    re.IGNORECASE,
)


@lru_cache(maxsize=8192)
def services_in(text: str) -> tuple[tuple[str, str], ...]:
    """The known services a stack line names, as (service, vendor), in catalogue order."""
    return tuple((s, v) for s, v, pattern in _PATTERNS if pattern.search(text))


@lru_cache(maxsize=8192)
def is_security(text: str) -> bool:
    return bool(_SECURITY.search(text))


@dataclass(frozen=True, slots=True)
class DebtLine:
    entity: EntityRef
    snapshot: SnapshotData
    item: ItemData
    security: bool

    @property
    def source(self) -> Source:
        return self.snapshot.source(self.item.line)


@dataclass(frozen=True, slots=True)
class StackLine:
    item: ItemData
    services: tuple[str, ...]


@dataclass(slots=True)
class CtoEntity:
    entity: EntityRef
    latest: SnapshotData | None
    previous: SnapshotData | None
    stack: list[StackLine] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    debt_open: list[DebtLine] = field(default_factory=list)  # security first, then severity
    debt_resolved: list[DebtLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # open debt by severity
    security_open: int = 0
    opened: list[DebtLine] = field(default_factory=list)
    resolved: list[DebtLine] = field(default_factory=list)
    dropped: list[DebtLine] = field(default_factory=list)
    compared: bool = False
    security_risks: list[DebtLine] = field(default_factory=list)
    severe: list[DebtLine] = field(default_factory=list)  # open critical and high, by severity

    @property
    def rest_open(self) -> int:
        """Open tech debt below high (and unrated): counted on the portfolio, not listed."""
        return len(self.debt_open) - len(self.severe)


@dataclass(frozen=True, slots=True)
class SharedService:
    service: str
    vendor: str
    entities: tuple[EntityRef, ...]

    @property
    def names(self) -> str:
        return ", ".join(e.name for e in self.entities)


@dataclass(frozen=True, slots=True)
class VendorUse:
    vendor: str
    services: tuple[str, ...]
    entities: tuple[EntityRef, ...]

    @property
    def names(self) -> str:
        return ", ".join(e.name for e in self.entities)


@dataclass(slots=True)
class CtoReport:
    portfolio: bool
    detailed: bool
    entities: list[CtoEntity]
    totals: dict[str, int]  # open debt by severity, all entities
    security_open: int
    security: list[DebtLine]  # open security-related debt and risks, most severe first
    security_more: int
    opened: list[DebtLine]
    opened_more: int
    resolved: list[DebtLine]
    resolved_more: int
    dropped: list[DebtLine]
    shared: list[SharedService]
    vendors: list[VendorUse]
    compared: int  # entities with a previous note to compare with

    @property
    def open_total(self) -> int:
        return sum(self.totals.values())

    @property
    def severe_total(self) -> int:
        return sum(len(b.severe) for b in self.entities)


def _security_first(lines: list[DebtLine]) -> list[DebtLine]:
    ordered = by_severity(line.item for line in lines)
    position = {id(item): n for n, item in enumerate(ordered)}
    return sorted(lines, key=lambda line: (not line.security, position[id(line.item)]))


def _entity(data: ReportData, entity: EntityRef) -> CtoEntity:
    latest, previous = data.latest(entity.id), data.previous(entity.id)
    block = CtoEntity(entity, latest, previous)
    if latest is None:
        return block
    seen: list[str] = []
    for item in latest.items_of("tech_stack"):
        names = tuple(s for s, _ in services_in(item.text))
        block.stack.append(StackLine(item, names))
        seen.extend(n for n in names if n not in seen)
    block.services = seen

    def line(item: ItemData, snapshot: SnapshotData = latest) -> DebtLine:
        return DebtLine(entity, snapshot, item, is_security(item.text))

    debt = latest.items_of("tech_debt")
    block.debt_open = _security_first([line(i) for i in debt if not i.resolved])
    block.debt_resolved = [line(i) for i in debt if i.resolved]
    severe = by_severity(d.item for d in block.debt_open if d.item.severity in SEVERE)
    block.severe = [line(i) for i in severe]
    counts = Counter(d.item.severity or "unrated" for d in block.debt_open)
    block.counts = {s: counts.get(s, 0) for s in COLUMNS}
    block.security_open = sum(d.security for d in block.debt_open)
    block.security_risks = _security_first(
        [line(i) for i in latest.items_of("risk") if not i.resolved and is_security(i.text)]
    )
    changes = item_changes(previous.items_of("tech_debt") if previous else None, debt)
    block.compared = changes.compared
    block.opened = _security_first([line(i) for i in changes.opened])
    block.resolved = _security_first([line(i) for i in changes.resolved])
    if previous is not None:
        block.dropped = [line(i, previous) for i in changes.dropped]
    return block


def _cap(lines: list[DebtLine], portfolio: bool) -> tuple[list[DebtLine], int]:
    if not portfolio or len(lines) <= PORTFOLIO_LIST_LIMIT:
        return lines, 0
    return lines[:PORTFOLIO_LIST_LIMIT], len(lines) - PORTFOLIO_LIST_LIMIT


def build(data: ReportData) -> CtoReport:
    blocks = [_entity(data, e) for e in data.entities]
    totals = {s: sum(b.counts.get(s, 0) for b in blocks) for s in COLUMNS}
    security = _security_first(
        [d for b in blocks for d in b.debt_open if d.security]
        + [d for b in blocks for d in b.security_risks]
    )
    opened = _security_first([d for b in blocks for d in b.opened])
    resolved = _security_first([d for b in blocks for d in b.resolved])
    # Service -> the entities naming it, in portfolio order (dicts as ordered sets).
    users: dict[str, dict[int, EntityRef]] = {}
    vendor_of: dict[str, str] = {}
    for block in blocks:
        for item_line in block.stack:
            for service, vendor in services_in(item_line.item.text):
                vendor_of[service] = vendor
                users.setdefault(service, {})[block.entity.id] = block.entity
    shared = sorted(
        (
            SharedService(s, vendor_of[s], tuple(es.values()))
            for s, es in users.items()
            if len(es) > 1
        ),
        key=lambda s: (-len(s.entities), s.vendor, s.service),
    )
    by_vendor: dict[str, tuple[list[str], dict[int, EntityRef]]] = {}
    for service, entities in users.items():
        services, vendor_entities = by_vendor.setdefault(vendor_of[service], ([], {}))
        services.append(service)
        vendor_entities.update(entities)
    vendors = sorted(
        (
            VendorUse(v, tuple(s), tuple(es.values()))
            for v, (s, es) in by_vendor.items()
            if len(es) > 1
        ),
        key=lambda v: (-len(v.entities), v.vendor),
    )
    security_shown, security_more = _cap(security, data.is_portfolio)
    opened_shown, opened_more = _cap(opened, data.is_portfolio)
    resolved_shown, resolved_more = _cap(resolved, data.is_portfolio)
    return CtoReport(
        portfolio=data.is_portfolio,
        detailed=detailed(data),
        entities=blocks,
        totals=totals,
        security_open=sum(b.security_open for b in blocks),
        security=security_shown,
        security_more=security_more,
        opened=opened_shown,
        opened_more=opened_more,
        resolved=resolved_shown,
        resolved_more=resolved_more,
        dropped=[d for b in blocks for d in b.dropped],
        shared=shared,
        vendors=vendors,
        compared=sum(b.compared for b in blocks),
    )
