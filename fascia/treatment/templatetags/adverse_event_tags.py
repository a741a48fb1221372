"""The session page's adverse events, named as the session's pathway names them:
`{% load adverse_event_tags %}{% adverse_events_of session as rows %}`."""

from django import template

from fascia.records.screening import pathway_of

from ..adverse_events import NamedEvent, named_events, session_adverse_events
from ..models import TreatmentSession

register = template.Library()


@register.simple_tag
def adverse_events_of(session: TreatmentSession) -> list[NamedEvent]:
    return named_events(pathway_of(session.episode), session_adverse_events(session))
