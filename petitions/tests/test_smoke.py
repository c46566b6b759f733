from petitions.models import Status
from tests.factories import make_petition


def test_register_and_route(county):
    petition = make_petition(actor=county.bureau_clerk, locality=county.township_a)
    assert petition.reg_no.endswith("000001")
    assert petition.status == Status.REGISTERED
