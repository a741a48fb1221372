"""How the episode page names and shows a measure (`records.queries.LatestMeasure`)."""

from django import template

from fascia.pathways import Pathway
from fascia.records.models import Measurement

from .. import queries

register = template.Library()


@register.simple_tag
def measure_label(pathway: Pathway, measurement: Measurement) -> str:
    return queries.measure_label(pathway, measurement)


@register.simple_tag
def measure_unit(pathway: Pathway, measurement: Measurement) -> str:
    return queries.measure_unit(pathway, measurement.measure)


@register.filter
def measure_value(measurement: Measurement) -> str:
    return queries.measure_value(measurement)
