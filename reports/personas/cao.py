"""Chief Accounting Officer: "Can I trust the books?"

Receivables aging (current, 1-30, 31-60, 61-90, 90+ days past due, counted from the report's
date) per client and entity, the overdue invoices, and what ingestion found wrong with the
notes: unreadable values, missing values, stale notes, currency mismatches, files that made no
snapshot. Every figure and finding names its file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from reports.charts import BarChart, StackedChart, StackInput, grouped_bars, stacked_rows
from reports.formatting import format_value, is_money
from reports.personas.common import (
    BUCKET_LABELS,
    BUCKETS,
    Figure,
    Totals,
    aging_bucket,
    days_past_due,
    detailed,
    financials_of,
    is_open,
    metric_figure,
    primary_currency,
    receivable_figure,
    sum_by_currency,
)
from reports.personas.data import (
    DataNeeds,
    EntityRef,
    ReceivableData,
    ReportData,
    SnapshotData,
    Source,
    SourceFileData,
)

NEEDS = DataNeeds(
    metric_depth={"kpis": 1, "financials": 1, "marketing": 1},
    receivable_depth=1,
    source_files=True,
)
BUCKET_CSS = {b: f"b-{b.replace('+', 'plus')}" for b in (*BUCKETS, "undated")}
FINDING_KINDS = {
    "file": "File not read",
    "unreadable": "Unreadable value",
    "missing": "Missing value",
    "stale": "Stale note",
    "currency": "Currency mismatch",
    "inconsistent": "Figures that do not add up",
    "receivable": "Receivable to check",
    "warning": "Ingestion warning",
}


@dataclass(frozen=True, slots=True)
class Invoice:
    entity: EntityRef
    receivable: ReceivableData
    figure: Figure
    bucket: str
    days: int | None  # past due (negative: due in that many days)
    status_conflict: str  # the written status disagrees with the due date

    @property
    def source(self) -> Source | None:
        return self.figure.source


@dataclass(slots=True)
class AgingCell:
    """The open invoices of one client in one bucket, in one currency."""

    unit: str
    amount: Decimal = Decimal(0)
    invoices: list[Invoice] = field(default_factory=list)

    def add(self, invoice: Invoice) -> None:
        assert invoice.figure.value is not None
        self.amount += invoice.figure.value
        self.invoices.append(invoice)

    @property
    def figure(self) -> Figure:
        # One invoice: its own line. Several: the title lists each (see `title`).
        source = self.invoices[0].source if len(self.invoices) == 1 else None
        return Figure(self.amount, self.unit, source)

    @property
    def title(self) -> str:
        return "; ".join(
            f"{i.receivable.invoice or 'no invoice #'} "
            f"{format_value(i.figure.value, i.figure.unit)}"
            f" ({i.source.label if i.source else ''})"
            for i in self.invoices
        )


@dataclass(slots=True)
class AgingRow:
    """One client of one entity in one currency: its open invoices by bucket."""

    entity: EntityRef
    client: str
    currency: str
    cells: dict[str, AgingCell] = field(default_factory=dict)
    amount: Decimal = Decimal(0)

    def add(self, invoice: Invoice) -> None:
        self.cells.setdefault(invoice.bucket, AgingCell(self.currency)).add(invoice)
        assert invoice.figure.value is not None
        self.amount += invoice.figure.value

    @property
    def total(self) -> Figure:
        return Figure(self.amount, self.currency)

    @property
    def clients(self) -> str:
        """An entity-wide row: how many clients it adds up."""
        names = {
            i.receivable.client.strip().lower() for c in self.cells.values() for i in c.invoices
        }
        return f"{len(names)} client{'' if len(names) == 1 else 's'}"

    def cell_list(self, buckets: tuple[str, ...]) -> list[AgingCell | None]:
        return [self.cells.get(b) for b in buckets]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # a key of FINDING_KINDS
    entity: EntityRef
    message: str  # plain text, partly from the note: escaped when shown
    source: Source | None
    severity: str  # "error", "warning" or "info"

    @property
    def kind_label(self) -> str:
        return FINDING_KINDS[self.kind]


@dataclass(slots=True)
class CaoEntity:
    entity: EntityRef
    latest: SnapshotData | None
    rows: list[AgingRow] = field(default_factory=list)
    open_count: int = 0
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class CaoReport:
    portfolio: bool
    detailed: bool  # aging per client; else per entity (each entity's report has its clients)
    currency: str
    on: str  # the date aging is counted from, for the heading
    buckets: tuple[str, ...]
    bucket_labels: list[str]
    bucket_totals: dict[str, Totals]
    total: Totals
    rows: list[AgingRow]
    overdue: list[Invoice]
    overdue_more: int
    overdue_count: int
    overdue_total: Totals
    findings: list[Finding]
    findings_more: int
    finding_counts: list[tuple[str, int]]
    finding_total: int
    entities: list[CaoEntity]
    chart: BarChart | None
    entity_chart: StackedChart | None
    other_currencies: list[str]
    closed: int  # paid or written-off invoices left out of the aging

    @property
    def over_90(self) -> Totals:
        return self.bucket_totals["90+"]


def _conflict(receivable: ReceivableData, days: int | None) -> str:
    status = receivable.status.strip().lower()
    if days is None:
        return ""
    if status in ("current", "not due", "not yet due") and days > 0:
        return f"marked {receivable.status!s} but {days} days past due"
    if status == "overdue" and days <= 0:
        return f"marked overdue but not due until {receivable.due}"
    return ""


def _findings(data: ReportData, entity: EntityRef, latest: SnapshotData) -> list[Finding]:
    found: list[Finding] = []

    def add(kind: str, message: str, line: int | None, severity: str = "warning") -> None:
        found.append(Finding(kind, entity, message, latest.source(line), severity))

    if latest.stale:
        add("stale", f"The newest note is for {latest.label}; nothing newer has been read.", None)
    problem_lines = {p.line for p in latest.problems if p.line is not None}
    explained: set[int] = set()
    for metric in latest.metrics:
        if metric.value is None:
            if metric.line in problem_lines:
                explained.add(metric.line)
                message = next(p.message for p in latest.problems if p.line == metric.line)
                add("unreadable", f"{metric.name}: {message}", metric.line, "error")
            else:
                written = f" (written {metric.raw!r})" if metric.raw else ""
                add("missing", f"{metric.name} has no value{written}.", metric.line)
        # The currency the reports read the amount in: a bare amount in Financials is in the
        # note's currency (docs/handoff-format.md), so only a written other one is a mismatch.
        unit = metric_figure(metric, latest, money=metric.section == "financials").unit
        if is_money(unit) and unit != latest.currency and metric.value is not None:
            add(
                "currency",
                f"{metric.name} is in {unit} in a {latest.currency} note "
                f"({format_value(metric.value, unit)}); it is not converted or summed.",
                metric.line,
                "info",
            )
    for problem in latest.problems:
        if problem.line not in explained:
            add("warning", problem.message, problem.line, problem.severity or "warning")
    fin = financials_of(latest)
    r, e, n = fin.revenue, fin.expenses, fin.net
    if (
        r.value is not None
        and e.value is not None
        and n.value is not None
        and r.unit == e.unit == n.unit
        and r.value - e.value != n.value
    ):
        add(
            "inconsistent",
            f"Net {format_value(n.value, n.unit)} is not revenue {format_value(r.value, r.unit)}"
            f" less expenses {format_value(e.value, e.unit)}"
            f" ({format_value(r.value - e.value, r.unit)}).",
            n.source.line if n.source else None,
        )
    for receivable in latest.receivables:
        label = receivable.invoice or receivable.client
        if receivable.amount is None:
            add("missing", f"Invoice {label} has no amount.", receivable.line)
        if receivable.due is None and is_open(receivable):
            add(
                "missing",
                f"Invoice {label} has no due date, so it cannot be aged.",
                receivable.line,
            )
        unit = receivable.unit or latest.currency
        if unit != latest.currency and receivable.amount is not None:
            add(
                "currency",
                f"Invoice {label} is in {unit} in a {latest.currency} note "
                f"({format_value(receivable.amount, unit)}).",
                receivable.line,
                "info",
            )
    return found


def _stack(block: CaoEntity, buckets: tuple[str, ...], currency: str) -> StackInput | None:
    """One entity's aging as a bar, in the report's currency only (others are in the table)."""
    rows = [r for r in block.rows if r.currency == currency]
    if not rows:
        return None
    parts = []
    for bucket in buckets:
        amount = sum((r.cells[bucket].amount for r in rows if bucket in r.cells), Decimal(0))
        parts.append((BUCKET_LABELS[bucket], BUCKET_CSS[bucket], Figure(amount, currency)))
    return StackInput(block.entity.name, parts)


LIST_LIMIT = 50  # overdue invoices and findings listed on a large portfolio's page
CHART_ENTITIES = 15  # entities in a large portfolio's aging chart: the largest open amounts


def build(data: ReportData) -> CaoReport:
    on = data.today
    per_client = detailed(data)
    currency = primary_currency(
        s.currency for e in data.entities if (s := data.latest(e.id)) is not None
    )
    blocks: list[CaoEntity] = []
    rows: list[AgingRow] = []
    overdue: list[Invoice] = []
    findings: list[Finding] = []
    closed = 0
    undated = False
    failed_files: dict[int, list[SourceFileData]] = {}
    for failed in data.source_files:
        failed_files.setdefault(failed.entity_id, []).append(failed)
    for entity in data.entities:
        latest = data.latest(entity.id)
        block = CaoEntity(entity, latest)
        blocks.append(block)
        for failed in failed_files.get(entity.id, ()):
            for problem in failed.problems:
                message = f"{problem.message} (no snapshot was made from this file)"
                source = Source(None, failed.path, problem.line, "")
                block.findings.append(Finding("file", entity, message, source, "error"))
        if latest is None:
            findings.extend(block.findings)
            continue
        block.findings.extend(_findings(data, entity, latest))
        findings.extend(block.findings)
        by_client: dict[tuple[str, str], AgingRow] = {}
        for receivable in latest.receivables:
            if not is_open(receivable):
                closed += 1
                continue
            figure = receivable_figure(receivable, latest)
            days = days_past_due(receivable.due, on)
            bucket = aging_bucket(receivable.due, on)
            undated = undated or bucket == "undated"
            invoice = Invoice(entity, receivable, figure, bucket, days, _conflict(receivable, days))
            block.open_count += 1
            if days is not None and days > 0:
                overdue.append(invoice)
            if figure.value is None:
                continue
            # A large portfolio ages each entity as a whole; its own report has the clients.
            client = receivable.client if per_client else ""
            key = (client.strip().lower(), figure.unit)
            row = by_client.setdefault(key, AgingRow(entity, client, figure.unit))
            row.add(invoice)
        block.rows = list(by_client.values())
        rows.extend(block.rows)
    buckets = (*BUCKETS, "undated") if undated else BUCKETS
    # Where invoices in a currency are open, a bucket holding none of them is a known 0.
    aged = {r.currency for r in rows}
    bucket_totals = {
        b: sum_by_currency(
            (r.cells[b].figure for r in rows if b in r.cells), primary=currency
        ).known_zero(aged)
        for b in buckets
    }
    total = sum_by_currency((r.total for r in rows), primary=currency)
    overdue.sort(key=lambda i: -(i.days or 0))
    overdue_total = sum_by_currency(
        (i.figure for i in overdue if i.figure.value is not None), primary=currency
    ).known_zero(aged)
    chart = None
    if not total.empty and total.main.value is not None:
        chart = grouped_bars(
            [BUCKET_LABELS[b] for b in buckets],
            [("Open receivables", "s-aging", [bucket_totals[b].main for b in buckets])],
            unit=currency,
            width=420,
            height=200,
        )
    entity_chart = None
    if data.is_portfolio:
        stacks = [s for b in blocks if (s := _stack(b, buckets, currency)) is not None]
        if not per_client:
            # A hundred bars are a wall: the largest exposures, the table has every entity.
            stacks.sort(key=lambda s: -sum((p[2].value or 0) for p in s.parts))
            stacks = stacks[:CHART_ENTITIES]
        if len(stacks) > 1:
            entity_chart = stacked_rows(
                stacks,
                unit=currency,
                legend=[(BUCKET_LABELS[k], BUCKET_CSS[k]) for k in buckets],
                width=480,
                label_width=150,
            )
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.kind] = counts.get(finding.kind, 0) + 1
    severity_rank = {"error": 0, "warning": 1, "info": 2}
    ordered_kinds = list(FINDING_KINDS)
    findings.sort(key=lambda f: (severity_rank.get(f.severity, 3), ordered_kinds.index(f.kind)))
    limit = None if per_client else LIST_LIMIT
    return CaoReport(
        portfolio=data.is_portfolio,
        detailed=per_client,
        currency=currency,
        on=on.isoformat(),
        buckets=buckets,
        bucket_labels=[BUCKET_LABELS[b] for b in buckets],
        bucket_totals=bucket_totals,
        total=total,
        rows=rows,
        overdue=overdue[:limit],
        overdue_more=len(overdue) - len(overdue[:limit]),
        overdue_count=len(overdue),
        overdue_total=overdue_total,
        findings=findings[:limit],
        findings_more=len(findings) - len(findings[:limit]),
        finding_counts=[(FINDING_KINDS[k], counts[k]) for k in FINDING_KINDS if k in counts],
        finding_total=len(findings),
        entities=blocks,
        chart=chart,
        entity_chart=entity_chart,
        other_currencies=sorted(
            {c for t in bucket_totals.values() for c in t.amounts} - {currency}
        ),
        closed=closed,
    )
