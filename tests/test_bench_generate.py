"""The benchmarks' bulk generator still runs from its own entry point's parts, and tops up.

Kept small and cheap: the demo's data is tested in cases/tests/test_seed_demo.py; this only
checks that bench's loader works on the current tables (it is run by hand before benchmarks).
"""

import pytest

from bench import demo_petitions
from cases.demo import county
from cases.models import Case
from petitions.models import Petition, RegistrationCounter

pytestmark = pytest.mark.django_db


def test_bulk_generator_loads_then_tops_up_with_gap_free_numbers():
    _report, units, users = county.county_create(password="irrelevant")

    first = demo_petitions.load(requested=400, units=units, users=users, log=lambda line: None)
    assert first.added == 400 and Petition.objects.count() == 400 and Case.objects.exists()
    assert demo_petitions.load(requested=400, units=units, users=users, log=lambda line: None).added == 0

    demo_petitions.load(requested=450, units=units, users=users, log=lambda line: None)
    assert Petition.objects.count() == 450
    for counter in RegistrationCounter.objects.exclude(last_number=0):
        assert Petition.objects.filter(reg_no__startswith=f"XF-{counter.year}-").count() == counter.last_number
