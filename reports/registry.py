"""The persona reports, registered in one place.

(Here rather than in reports/personas/__init__.py, so that importing any one builder or the
chart module does not import every builder.)

A persona report is a builder (a plain function from `ReportData` to a dataclass context), a
template that draws that context for the page, the download and the email, and the data it
needs. Everything else — URLs, the index, caching, the email and the text rendition — is
driven by REGISTRY, so a sixth persona is one module, one template and one entry below
(docs/adding-a-persona.md walks through it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from entities.models import Persona
from reports.personas import cao, ceo, cfo, cmo, cto
from reports.personas.data import DataNeeds, ReportData


@dataclass(frozen=True, slots=True)
class PersonaReport:
    slug: str  # in URLs and ReportRun.persona
    title: str
    question: str  # the one question this report answers, shown under its title
    build: Callable[[ReportData], Any]
    template: str
    needs: DataNeeds  # for the portfolio
    entity_needs: DataNeeds | None = None  # for one entity (more history is cheap for one)
    entity_question: str = ""  # when the question names the portfolio: asked of one entity

    def needs_for(self, *, portfolio: bool) -> DataNeeds:
        return self.needs if portfolio or self.entity_needs is None else self.entity_needs

    def question_for(self, *, portfolio: bool) -> str:
        return self.question if portfolio or not self.entity_question else self.entity_question


REGISTRY: dict[str, PersonaReport] = {
    report.slug: report
    for report in (
        PersonaReport(
            slug=Persona.CEO.value,
            title=Persona.CEO.label,
            question="How is the portfolio doing, and what needs me?",
            entity_question="How is it doing, and what needs me?",
            build=ceo.build,
            template="reports/personas/ceo.html",
            needs=ceo.NEEDS,
            entity_needs=ceo.ENTITY_NEEDS,
        ),
        PersonaReport(
            slug=Persona.CTO.value,
            title=Persona.CTO.label,
            question="What runs where, and what is fragile?",
            build=cto.build,
            template="reports/personas/cto.html",
            needs=cto.NEEDS,
        ),
        PersonaReport(
            slug=Persona.CFO.value,
            title=Persona.CFO.label,
            question="Where is the money?",
            build=cfo.build,
            template="reports/personas/cfo.html",
            needs=cfo.NEEDS,
        ),
        PersonaReport(
            slug=Persona.CMO.value,
            title=Persona.CMO.label,
            question="Is demand growing?",
            build=cmo.build,
            template="reports/personas/cmo.html",
            needs=cmo.NEEDS,
        ),
        PersonaReport(
            slug=Persona.CAO.value,
            title=Persona.CAO.label,
            question="Can I trust the books?",
            build=cao.build,
            template="reports/personas/cao.html",
            needs=cao.NEEDS,
        ),
    )
}


def persona_report(slug: str) -> PersonaReport:
    """The registered report for a persona slug; KeyError for anything else."""
    return REGISTRY[slug]
