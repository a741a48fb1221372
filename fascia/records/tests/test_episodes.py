"""Opening episodes: under the released pathway, audited with the patient and clinic."""

from fascia.accounts.models import AuditEvent
from fascia.pathways import REGISTRY
from fascia.records import events
from fascia.records.models import EpisodeStatus


def test_an_episode_stores_the_released_pathway_it_follows(kavya_episode):
    released = REGISTRY.released_entry("piriformis-dry-needling")
    assert (
        kavya_episode.pathway_id,
        kavya_episode.pathway_version,
        kavya_episode.pathway_sha256,
    ) == (released.id, released.version, released.sha256)
    assert kavya_episode.status == EpisodeStatus.SCREENING
    assert kavya_episode.condition == REGISTRY.current("piriformis-dry-needling").title


def test_creating_a_patient_and_opening_an_episode_are_audited_with_patient_and_clinic(
    kavya_episode,
):
    rows = AuditEvent.objects.filter(patient_id=kavya_episode.patient_id).order_by("pk")
    assert [(e.action, e.clinic_id) for e in rows] == [
        (events.PATIENT_CREATED, kavya_episode.clinic_id),
        (events.EPISODE_OPENED, kavya_episode.clinic_id),
    ]
