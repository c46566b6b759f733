"""Fast row loading: PostgreSQL COPY, or batched INSERTs on other databases.

Rows are tuples of Python values in the order of the columns given. On PostgreSQL they are
streamed with COPY (text format) from a background thread, so generating the next batch in
Python overlaps with PostgreSQL storing the last one; elsewhere (SQLite for the README demo)
they go through `executemany`, adapted by the backend.
"""

import io
import queue
import threading
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.db.backends.base.base import BaseDatabaseWrapper

# COPY text format: backslash, tab, newline and carriage return must be escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    """The hot path of a load (tens of millions of calls): text first, escaped only when it must be."""
    if value.__class__ is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
            return value.translate(_COPY_ESCAPES)
        return value
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):  # choices members and other str subclasses
        return str.translate(value, _COPY_ESCAPES)
    return str(value)  # int, date, aware datetime ("2025-03-01 09:30:00+08:00")


class _CopyThread(threading.Thread):
    """Runs COPY statements handed over through a short queue; remembers the first failure."""

    def __init__(self, raw_connection) -> None:
        super().__init__(name="bulk-copy", daemon=True)
        self.raw_connection = raw_connection
        self.jobs: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        cursor = self.raw_connection.cursor()
        while True:
            job = self.jobs.get()
            if job is None:
                break
            if self.error is not None:
                continue  # Drain the queue so the producer never blocks.
            sql, text = job
            try:
                cursor.copy_expert(sql, io.StringIO(text), size=1 << 20)
            except BaseException as error:  # noqa: BLE001 - re-raised in the producer thread
                self.error = error
        cursor.close()


class RowWriter:
    """Buffers rows per table and writes them in batches; call `close()` to write the rest."""

    def __init__(self, connection: BaseDatabaseWrapper, *, batch_size: int = 20_000) -> None:
        self.connection = connection
        self.batch_size = batch_size
        self.columns: dict[str, Sequence[str]] = {}
        self.buffers: dict[str, list[tuple]] = {}
        self.counts: dict[str, int] = {}
        self.is_postgresql = connection.vendor == "postgresql"
        self.copy_thread: _CopyThread | None = None
        if self.is_postgresql:
            connection.ensure_connection()
            self.copy_thread = _CopyThread(connection.connection)
            self.copy_thread.start()

    def table(self, name: str, columns: Sequence[str]) -> None:
        self.columns[name] = tuple(columns)
        self.buffers[name] = []
        self.counts[name] = 0

    def add(self, name: str, row: tuple) -> None:
        buffer = self.buffers[name]
        buffer.append(row)
        if len(buffer) >= self.batch_size:
            self.flush(name)

    def add_many(self, name: str, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(name, row)

    def flush(self, name: str) -> None:
        rows = self.buffers[name]
        if not rows:
            return
        self.buffers[name] = []
        self.counts[name] += len(rows)
        quote = self.connection.ops.quote_name
        column_sql = ", ".join(quote(column) for column in self.columns[name])
        if self.copy_thread is not None:
            text = "".join("\t".join([_copy_value(value) for value in row]) + "\n" for row in rows)
            self._raise_copy_error()
            self.copy_thread.jobs.put((f"COPY {quote(name)} ({column_sql}) FROM STDIN", text))
            return
        placeholders = ", ".join(["%s"] * len(self.columns[name]))
        adapted = [tuple(self._adapt(value) for value in row) for row in rows]
        with self.connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {quote(name)} ({column_sql}) VALUES ({placeholders})", adapted)

    def _adapt(self, value):
        if isinstance(value, datetime):
            return self.connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return self.connection.ops.adapt_datefield_value(value)
        return value

    def _raise_copy_error(self) -> None:
        if self.copy_thread is not None and self.copy_thread.error is not None:
            raise self.copy_thread.error

    def close(self) -> dict[str, int]:
        """Write what is buffered, wait for the COPY thread, and return rows written per table."""
        try:
            for name in self.buffers:
                self.flush(name)
        finally:
            if self.copy_thread is not None:
                self.copy_thread.jobs.put(None)
                self.copy_thread.join()
        self._raise_copy_error()
        return dict(self.counts)


class SuspendedConstraints:
    """PostgreSQL only: drop the secondary indexes, unique and foreign-key constraints of some
    tables for a bulk load, and rebuild them afterwards in the same transaction.

    Building an index once over sorted data, and checking a foreign key with one join, is many
    times faster than maintaining ~15 indexes and firing a foreign-key trigger for every row.
    Everything happens inside the caller's transaction, so a failure rolls the drops back too.
    """

    def __init__(self, cursor, tables: Sequence[str]) -> None:
        self.cursor = cursor
        self.tables = list(tables)
        self.foreign_keys: list[tuple[str, str, str]] = []
        self.uniques: list[tuple[str, str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def drop(self) -> None:
        for table in self.tables:
            self.cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname",
                [table],
            )
            for name, definition, kind in self.cursor.fetchall():
                (self.foreign_keys if kind == "f" else self.uniques).append((table, name, definition))
            self.cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid), i.indexrelid::regclass::text FROM pg_index i "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 2",
                [table],
            )
            self.indexes.extend((name, definition) for definition, name in self.cursor.fetchall())
        for table, name, _definition in self.foreign_keys + self.uniques:
            self.cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            self.cursor.execute(f"DROP INDEX {name}")  # regclass text: already quoted where needed

    def restore(self) -> None:
        for _name, definition in self.indexes:
            self.cursor.execute(definition)
        for table, name, definition in self.uniques + self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
