from django.core.paginator import Paginator
from django.db import connections
from django.db.models import F, Lookup, QuerySet
from rest_framework.pagination import PageNumberPagination

PRIMARY_KEY_ORDERINGS = {"pk", "-pk", "id", "-id"}


class InArray(Lookup):
    """`field IN (subquery)`, written `field = ANY(ARRAY(subquery))` on PostgreSQL.

    There the subquery runs once, before the outer query, and its result is a list of values the
    outer query can look up in an index. As a plain `IN`, the planner may instead join the whole
    table first and keep the filter for last, which it does when the query joins more tables than
    join_collapse_limit (the case list joins nine); or, inside an OR, scan the table and probe each
    row (the case scope). Used as `InArray(F("pk"), keys)`, in filter() or in a Q.
    """

    lookup_name = "in_array"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} IN {rhs}", [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", [*lhs_params, *rhs_params]


class LargeTablePaginator(Paginator):
    """Paginator for lists of a million rows: the same pages, in the same number of queries.

    A plain `LIMIT 50 OFFSET n` makes PostgreSQL read (and join) all n skipped rows. Here the
    page's primary keys are chosen in a subquery that selects nothing but the key, so the
    skipping happens inside an index-only scan, and only the 50 rows shown are read and joined.
    Pages past the middle walk the index from the far end, so no page skips more than half.
    """

    def page(self, number):
        number = self.validate_number(number)
        rows = self.object_list
        if not isinstance(rows, QuerySet) or not connections[rows.db].features.allow_sliced_subqueries_with_in:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        ordering = list(rows.query.order_by or (rows.model._meta.ordering if rows.query.default_ordering else []))
        # Walking backwards gives the same rows only when the ordering is total (ends with the key).
        if ordering and ordering[-1] in PRIMARY_KEY_ORDERINGS and bottom > self.count - top:
            keys = rows.reverse().values("pk")[self.count - top : self.count - bottom]
        else:
            keys = rows.values("pk")[bottom:top]
        # _get_page is Django's documented hook for the Page class; the stub does not declare it.
        return self._get_page(rows.filter(InArray(F("pk"), keys)), number, self)  # type: ignore[attr-defined]


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = LargeTablePaginator
