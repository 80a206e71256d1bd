"""The demo clinic's knowledge base: what a front desk looks up every day.

Each title starts with a different pair of letters where it can, so the first keystrokes
of a search already pick one article ("pa" is parking): the demo shows the three-keystroke
insert the desk gets once its own articles are in.
"""

from __future__ import annotations

from typing import Final

from cxinbox.domain.kb import ArticleText
from cxinbox.service.kb import save_revision
from cxinbox.store.interface import StoreTx

DEMO_AUTHOR: Final = "kb:demo"

ARTICLES: Final[tuple[ArticleText, ...]] = (
    ArticleText(
        slug="parking", title="Parking and directions", tags=("parking", "directions", "map"),
        audience="patient-facing", link="https://maple-street.example/visit",
        body="""Free **parking** is behind the clinic: enter from Birch Lane, the second
driveway after the pharmacy. Two accessible bays are next to the rear entrance.

- Bus 12 and 31 stop at Maple Street & 4th, one minute's walk.
- Bicycle racks are by the front door.
- The main entrance has a ramp; the lift is on your left inside.

Aparcamiento gratuito detrás de la clínica (entrada por Birch Lane).
"""),
    ArticleText(
        slug="hours", title="Opening hours", tags=("hours", "holidays"),
        audience="patient-facing", link="https://maple-street.example/hours",
        body="""We are open **Monday to Friday, 8:00 to 18:00**, and Saturday 9:00 to 12:00
for blood tests only. We are closed on public holidays.

Out of hours, call the nurse line on (555) 010-0199. In an emergency call 911.

Horario: lunes a viernes de 8:00 a 18:00; sábados de 9:00 a 12:00 (solo análisis).
"""),
    ArticleText(
        slug="insurance", title="Insurance plans we accept", tags=("insurance", "billing"),
        audience="patient-facing",
        body="""We accept Medicare, most Blue Cross Blue Shield plans, Aetna, Cigna and
UnitedHealthcare. Please bring your insurance card to every visit.

If your plan is not listed, call billing on (555) 010-0102 before your visit and we will
check it for you. Self-pay prices are on the fees page.
"""),
    ArticleText(
        slug="fasting", title="Fasting before blood work", tags=("labs", "blood-test", "fasting"),
        audience="patient-facing",
        body="""For a **fasting** blood test (glucose, cholesterol) do not eat or drink
anything but water for **8 to 12 hours** before your appointment. Keep taking your usual
medicines unless your doctor told you otherwise.

Drink plenty of water: it makes the blood draw easier. Bring a snack for afterwards.

Ayuno: nada de comida ni bebida (excepto agua) de 8 a 12 horas antes del análisis.
"""),
    ArticleText(
        slug="forms", title="New patient forms", tags=("forms", "new-patient"),
        audience="patient-facing", link="https://maple-street.example/forms",
        body="""Please fill in the new patient form and the medical history form before
your first visit, and bring photo ID and your insurance card.

You can fill them in online or arrive 15 minutes early to do it here.
"""),
    ArticleText(
        slug="fees", title="Fees and self-pay prices", tags=("fees", "billing", "self-pay"),
        audience="patient-facing",
        body="""A standard visit without insurance costs **$95**; a new patient visit
$140. Missed appointments without 24 hours' notice are charged $25.

We take cards, cash and payment plans: ask at the desk.
"""),
    ArticleText(
        slug="records-policy", title="Medical records requests (staff procedure)",
        tags=("records", "policy", "privacy"), audience="staff-only",
        body="""Never send medical records by ordinary email or text.

1. The patient signs the release form (or the request comes from a covered provider).
2. Check photo ID in person, or call back on the number in the chart.
3. Log the request in the records book; release within 30 days.
4. Records for a third party need the patient's written authorization.
"""),
    ArticleText(
        slug="red-flag-routing", title="Red-flag messages: who to call",
        tags=("red-flag", "triage", "policy"), audience="staff-only",
        body="""Chest pain, trouble breathing, stroke signs, heavy bleeding, thoughts of
self-harm: **do not answer with a template**. Call the patient and hand the message to the
duty nurse (ext. 214) at once; if the nurse is busy, the duty doctor (ext. 201).
"""),
    ArticleText(
        slug="vaccines", title="Vaccines and flu shots", tags=("vaccines", "flu"),
        audience="patient-facing",
        body="""Flu shots are given without an appointment Monday to Friday, 9:00 to
11:00, from October to March. Bring your vaccination card if you have one.
"""),
    ArticleText(
        slug="results", title="Test results: how and when", tags=("labs", "results"),
        audience="patient-facing",
        body="""Most blood test results are ready in 2 to 3 working days. Your doctor
reviews them first; we then call you or send a message. Please do not worry if you have
not heard from us within that time: no news usually means nothing urgent.
"""),
)


def seed(tx: StoreTx, *, at: int) -> int:
    """The demo articles written into an empty knowledge base; returns how many."""
    for article in ARTICLES:
        save_revision(tx, article, source="cli", author=DEMO_AUTHOR, at=at, before=None,
                      note="demo clinic")
    return len(ARTICLES)
