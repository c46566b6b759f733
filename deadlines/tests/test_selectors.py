from datetime import date

import pytest

from deadlines import selectors

pytestmark = pytest.mark.deadlines

# The warning to administrators about a holiday schedule not yet entered.


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        pytest.param(date(2026, 6, 1), [], id="June 2026: 2026 is entered and deadlines stay inside it"),
        pytest.param(date(2026, 12, 1), [2027], id="December 2026: deadlines reach into 2027, not entered"),
        pytest.param(date(2027, 3, 1), [2027], id="2027 itself"),
    ],
)
def test_calendar_years_incomplete(today, expected, db):
    assert selectors.calendar_years_incomplete(today=today) == expected
