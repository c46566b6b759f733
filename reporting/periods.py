"""The period a report covers: a calendar month or any range of days, in the county's time zone."""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))

    @property
    def is_month(self) -> bool:
        return self.start.day == 1 and self == Period.month(self.start.year, self.start.month)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """From midnight of the first day to midnight after the last, in Asia/Shanghai: a petition
        received at 23:59 on the last day belongs to the period, one at 00:00 the next day does not."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return datetime.combine(self.start, time(), zone), datetime.combine(self.end + timedelta(days=1), time(), zone)

    def previous(self) -> "Period":
        """What 环比 compares with: the month before, or the same number of days just before a range."""
        if self.is_month:
            before = self.start - timedelta(days=1)
            return Period.month(before.year, before.month)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def year_ago(self) -> "Period":
        """What 同比 compares with: the same month, or the same days, a year earlier."""
        if self.is_month:
            return Period.month(self.start.year - 1, self.start.month)
        return Period(_year_earlier(self.start), _year_earlier(self.end))

    def as_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "year": self.start.year if self.is_month else None,
            "month": self.start.month if self.is_month else None,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Period":
        return cls(date.fromisoformat(data["start"]), date.fromisoformat(data["end"]))


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)
