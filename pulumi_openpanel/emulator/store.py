"""SQLite storage for the emulator, answering in the shapes the real server sends.

One connection guarded by one lock: SQLite in memory only exists per connection, and the
HTTP server and test threads share it. Every public method is a whole transaction. Methods
take the caller's organization and behave as if other organizations' rows did not exist,
which is how the real server scopes every lookup.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pulumi_openpanel.core.slug import slugify
from pulumi_openpanel.emulator.dates import MS_PER_DAY, now_ms, to_iso
from pulumi_openpanel.emulator.slug import with_random_suffix

_SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS projects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    events_count INTEGER NOT NULL DEFAULT 0,
    types TEXT NOT NULL,
    domain TEXT,
    cors TEXT NOT NULL,
    cross_domain INTEGER NOT NULL,
    allow_unsafe_revenue_tracking INTEGER NOT NULL,
    filters TEXT NOT NULL,
    delete_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clients (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    secret_hash TEXT,
    type TEXT NOT NULL,
    project_id TEXT,
    organization_id TEXT NOT NULL,
    ignore_cors_and_secret INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS timeline_references (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    date INTEGER NOT NULL,
    project_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dashboards (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    project_id TEXT NOT NULL,
    organization_id TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    dashboard_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    chart_type TEXT NOT NULL,
    range TEXT NOT NULL,
    interval TEXT NOT NULL,
    metric TEXT NOT NULL,
    series TEXT NOT NULL,
    breakdowns TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
-- The emulator's own bookkeeping: the plain credentials it seeded, so that a restart on the
-- same file can print them again (the clients table only has their hashes).
CREATE TABLE IF NOT EXISTS emulator_seeds (
    role TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ClientAuth:
    """What authentication needs to know about a client."""

    id: str
    type: str
    organization_id: str
    secret_hash: str | None
    project_id: str | None = None
    ignore_cors_and_secret: bool = False


@dataclass(frozen=True)
class SeededOrganization:
    """An organization with a root client, as the emulator created it (secret kept out of repr)."""

    organization_id: str
    client_id: str
    client_secret: str = field(repr=False)


def _iso_or_none(ms: int | None) -> str | None:
    return None if ms is None else to_iso(ms)


def _project(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "organizationId": row["organization_id"],
        "eventsCount": row["events_count"],
        "types": json.loads(row["types"]),
        "domain": row["domain"],
        "cors": json.loads(row["cors"]),
        "crossDomain": bool(row["cross_domain"]),
        "allowUnsafeRevenueTracking": bool(row["allow_unsafe_revenue_tracking"]),
        "filters": json.loads(row["filters"]),
        "deleteAt": _iso_or_none(row["delete_at"]),
        "createdAt": to_iso(row["created_at"]),
        "updatedAt": to_iso(row["updated_at"]),
    }


def _client(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "secret": row["secret_hash"],
        "type": row["type"],
        "projectId": row["project_id"],
        "organizationId": row["organization_id"],
        "ignoreCorsAndSecret": bool(row["ignore_cors_and_secret"]),
        "createdAt": to_iso(row["created_at"]),
        "updatedAt": to_iso(row["updated_at"]),
    }


def _reference(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "date": to_iso(row["date"]),
        "projectId": row["project_id"],
        "createdAt": to_iso(row["created_at"]),
        "updatedAt": to_iso(row["updated_at"]),
    }


def _report(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "chartType": row["chart_type"],
        "range": row["range"],
        "interval": row["interval"],
        "metric": row["metric"],
        "series": json.loads(row["series"]),
        "breakdowns": json.loads(row["breakdowns"]),
    }


class Store:
    """All emulator state. ``path=None`` keeps it in memory."""

    def __init__(self, path: str | None = None, *, clock: Callable[[], int] = now_ms) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self._conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._conn.executescript(_SCHEMA)
        self._closed = False

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _unique_slug(self, conn: sqlite3.Connection, table: str, name: str) -> str:
        candidate_name = name
        while True:
            candidate = slugify(candidate_name)
            if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (candidate,)).fetchone() is None:
                return candidate
            candidate_name = with_random_suffix(name, random.randint(1000, 9999))

    # Organizations -------------------------------------------------------------------------

    def create_organization(self, name: str) -> dict[str, Any]:
        with self._tx() as conn:
            org_id = self._unique_slug(conn, "organizations", name) or uuid.uuid4().hex[:8]
            created = self._clock()
            conn.execute("INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)", (org_id, name, created))
        return {"id": org_id, "name": name, "createdAt": to_iso(created)}

    def organization_exists(self, organization_id: str) -> bool:
        with self._lock:
            row = self._conn.execute("SELECT 1 FROM organizations WHERE id = ?", (organization_id,)).fetchone()
        return row is not None

    # Clients -------------------------------------------------------------------------------

    def create_client(
        self, organization_id: str, name: str, client_type: str, project_id: str | None, *, secret_hash: str
    ) -> dict[str, Any]:
        with self._tx() as conn:
            return _client(self._insert_client(conn, organization_id, name, client_type, project_id, secret_hash))

    def _insert_client(
        self,
        conn: sqlite3.Connection,
        organization_id: str,
        name: str,
        client_type: str,
        project_id: str | None,
        secret_hash: str,
    ) -> sqlite3.Row:
        client_id = str(uuid.uuid4())
        now = self._clock()
        conn.execute(
            "INSERT INTO clients (id, name, secret_hash, type, project_id, organization_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (client_id, name, secret_hash, client_type, project_id, organization_id, now, now),
        )
        row: sqlite3.Row = conn.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()
        return row

    def find_client(self, client_id: str) -> ClientAuth | None:
        """Any organization's client: authentication comes before knowing the organization."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()
        if row is None:
            return None
        return ClientAuth(
            row["id"],
            row["type"],
            row["organization_id"],
            row["secret_hash"],
            row["project_id"],
            bool(row["ignore_cors_and_secret"]),
        )

    def get_client(self, organization_id: str, client_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM clients WHERE id = ? AND organization_id = ?", (client_id, organization_id)
            ).fetchone()
        return None if row is None else _client(row)

    def list_clients(self, organization_id: str, project_id: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM clients WHERE organization_id = ?"
        params: tuple[str, ...] = (organization_id,)
        if project_id is not None:
            query += " AND project_id = ?"
            params += (project_id,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY created_at DESC, seq DESC", params).fetchall()
        return [_client(row) for row in rows]

    def rename_client(self, organization_id: str, client_id: str, name: str | None) -> dict[str, Any] | None:
        with self._tx() as conn:
            where = "WHERE id = ? AND organization_id = ?"
            if conn.execute(f"SELECT 1 FROM clients {where}", (client_id, organization_id)).fetchone() is None:
                return None
            if name is not None:
                conn.execute("UPDATE clients SET name = ? WHERE id = ?", (name, client_id))
            conn.execute("UPDATE clients SET updated_at = ? WHERE id = ?", (self._clock(), client_id))
            row = conn.execute("SELECT * FROM clients WHERE id = ?", (client_id,)).fetchone()
        return _client(row)

    def delete_client(self, organization_id: str, client_id: str) -> bool:
        with self._tx() as conn:
            cursor = conn.execute(
                "DELETE FROM clients WHERE id = ? AND organization_id = ?", (client_id, organization_id)
            )
        return cursor.rowcount > 0

    # Projects ------------------------------------------------------------------------------

    def create_project(
        self,
        organization_id: str,
        *,
        name: str,
        domain: str | None,
        cors: list[str],
        cross_domain: bool,
        types: list[str],
        first_client_secret_hash: str,
    ) -> tuple[dict[str, Any], str]:
        """The new project and the id of its first client (a write client named ``First client``)."""
        with self._tx() as conn:
            project_id = self._unique_slug(conn, "projects", name)
            now = self._clock()
            conn.execute(
                "INSERT INTO projects (id, name, organization_id, types, domain, cors, cross_domain,"
                " allow_unsafe_revenue_tracking, filters, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, '[]', ?, ?)",
                (
                    project_id,
                    name,
                    organization_id,
                    json.dumps(types),
                    domain,
                    json.dumps(cors),
                    int(cross_domain),
                    now,
                    now,
                ),
            )
            client = self._insert_client(
                conn, organization_id, "First client", "write", project_id, first_client_secret_hash
            )
            row = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
        return _project(row), client["id"]

    def get_project(self, organization_id: str, project_id: str) -> dict[str, Any] | None:
        """Soft-deleted projects included, as on the real server."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM projects WHERE id = ? AND organization_id = ?", (project_id, organization_id)
            ).fetchone()
        return None if row is None else _project(row)

    def list_projects(self, organization_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM projects WHERE organization_id = ? AND delete_at IS NULL"
                " ORDER BY created_at DESC, seq DESC",
                (organization_id,),
            ).fetchall()
        return [_project(row) for row in rows]

    _PROJECT_COLUMNS: dict[str, tuple[str, Callable[[Any], Any]]] = {
        "name": ("name", lambda v: v),
        "domain": ("domain", lambda v: v),
        "cors": ("cors", json.dumps),
        "crossDomain": ("cross_domain", int),
        "allowUnsafeRevenueTracking": ("allow_unsafe_revenue_tracking", int),
    }

    def update_project(self, organization_id: str, project_id: str, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Apply already-normalised API field changes (``name``, ``domain``, ``cors``, ...)."""
        with self._tx() as conn:
            where = "WHERE id = ? AND organization_id = ?"
            if conn.execute(f"SELECT 1 FROM projects {where}", (project_id, organization_id)).fetchone() is None:
                return None
            for field, value in changes.items():
                column, encode = self._PROJECT_COLUMNS[field]
                conn.execute(f"UPDATE projects SET {column} = ? WHERE id = ?", (encode(value), project_id))
            conn.execute("UPDATE projects SET updated_at = ? WHERE id = ?", (self._clock(), project_id))
            row = conn.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
        return _project(row)

    def soft_delete_project(self, organization_id: str, project_id: str) -> bool:
        with self._tx() as conn:
            now = self._clock()
            cursor = conn.execute(
                "UPDATE projects SET delete_at = ?, updated_at = ? WHERE id = ? AND organization_id = ?",
                (now + MS_PER_DAY, now, project_id, organization_id),
            )
        return cursor.rowcount > 0

    # References ----------------------------------------------------------------------------

    def create_reference(self, project_id: str, *, title: str, description: str | None, date_ms: int) -> dict[str, Any]:
        with self._tx() as conn:
            reference_id = str(uuid.uuid4())
            now = self._clock()
            conn.execute(
                "INSERT INTO timeline_references (id, title, description, date, project_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (reference_id, title, description, date_ms, project_id, now, now),
            )
            row = conn.execute("SELECT * FROM timeline_references WHERE id = ?", (reference_id,)).fetchone()
        return _reference(row)

    _REFERENCE_IN_ORG = (
        "SELECT r.*, p.organization_id AS organization_id FROM timeline_references r"
        " JOIN projects p ON p.id = r.project_id WHERE r.id = ? AND p.organization_id = ?"
    )

    def get_reference(self, organization_id: str, reference_id: str) -> dict[str, Any] | None:
        """The reference plus ``project: {organizationId}``, as the single-reference route answers."""
        with self._lock:
            row = self._conn.execute(self._REFERENCE_IN_ORG, (reference_id, organization_id)).fetchone()
        if row is None:
            return None
        return {**_reference(row), "project": {"organizationId": row["organization_id"]}}

    def list_references(self, organization_id: str, project_id: str | None = None) -> list[dict[str, Any]]:
        query = (
            "SELECT r.* FROM timeline_references r JOIN projects p ON p.id = r.project_id WHERE p.organization_id = ?"
        )
        params: tuple[str, ...] = (organization_id,)
        if project_id is not None:
            query += " AND r.project_id = ?"
            params += (project_id,)
        with self._lock:
            rows = self._conn.execute(query + " ORDER BY r.created_at DESC, r.seq DESC", params).fetchall()
        return [_reference(row) for row in rows]

    _REFERENCE_COLUMNS = {"title": "title", "description": "description", "date_ms": "date"}

    def update_reference(
        self, organization_id: str, reference_id: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """``changes`` keys: ``title``, ``description``, ``date_ms``."""
        with self._tx() as conn:
            if conn.execute(self._REFERENCE_IN_ORG, (reference_id, organization_id)).fetchone() is None:
                return None
            for field, value in changes.items():
                column = self._REFERENCE_COLUMNS[field]
                conn.execute(f"UPDATE timeline_references SET {column} = ? WHERE id = ?", (value, reference_id))
            conn.execute("UPDATE timeline_references SET updated_at = ? WHERE id = ?", (self._clock(), reference_id))
            row = conn.execute("SELECT * FROM timeline_references WHERE id = ?", (reference_id,)).fetchone()
        return _reference(row)

    def delete_reference(self, organization_id: str, reference_id: str) -> bool:
        with self._tx() as conn:
            if conn.execute(self._REFERENCE_IN_ORG, (reference_id, organization_id)).fetchone() is None:
                return False
            conn.execute("DELETE FROM timeline_references WHERE id = ?", (reference_id,))
        return True

    # Dashboards and reports (read only over HTTP; seeded from Python) ----------------------

    def create_dashboard(self, project_id: str, name: str) -> dict[str, Any]:
        with self._tx() as conn:
            project = conn.execute("SELECT organization_id FROM projects WHERE id = ?", (project_id,)).fetchone()
            if project is None:
                raise KeyError(f"no project {project_id!r}")
            dashboard_id = self._unique_slug(conn, "dashboards", name) or str(uuid.uuid4())
            conn.execute(
                "INSERT INTO dashboards (id, name, project_id, organization_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (dashboard_id, name, project_id, project["organization_id"], self._clock()),
            )
        return {"id": dashboard_id, "name": name, "projectId": project_id}

    def list_dashboards(self, project_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, name, project_id FROM dashboards WHERE project_id = ? ORDER BY created_at DESC, seq DESC",
                (project_id,),
            ).fetchall()
        return [{"id": row["id"], "name": row["name"], "projectId": row["project_id"]} for row in rows]

    def create_report(
        self,
        project_id: str,
        dashboard_id: str,
        *,
        name: str,
        chart_type: str,
        range: str,
        interval: str,
        metric: str,
        series: list[dict[str, Any]],
        breakdowns: list[dict[str, Any]],
    ) -> dict[str, Any]:
        with self._tx() as conn:
            dashboard = conn.execute(
                "SELECT 1 FROM dashboards WHERE id = ? AND project_id = ?", (dashboard_id, project_id)
            ).fetchone()
            if dashboard is None:
                raise KeyError(f"no dashboard {dashboard_id!r} in project {project_id!r}")
            report_id = str(uuid.uuid4())
            conn.execute(
                "INSERT INTO reports (id, name, dashboard_id, project_id, chart_type, range, interval, metric,"
                " series, breakdowns, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report_id,
                    name,
                    dashboard_id,
                    project_id,
                    chart_type,
                    range,
                    interval,
                    metric,
                    json.dumps(series),
                    json.dumps(breakdowns),
                    self._clock(),
                ),
            )
            row = conn.execute("SELECT * FROM reports WHERE id = ?", (report_id,)).fetchone()
        return _report(row)

    def list_reports(self, project_id: str, dashboard_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM reports WHERE project_id = ? AND dashboard_id = ? ORDER BY created_at, seq",
                (project_id, dashboard_id),
            ).fetchall()
        return [_report(row) for row in rows]

    # Seeded credentials --------------------------------------------------------------------

    def save_seed(self, role: str, seed: SeededOrganization) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO emulator_seeds (role, organization_id, client_id, client_secret)"
                " VALUES (?, ?, ?, ?)",
                (role, seed.organization_id, seed.client_id, seed.client_secret),
            )

    def load_seed(self, role: str) -> SeededOrganization | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM emulator_seeds WHERE role = ?", (role,)).fetchone()
        if row is None:
            return None
        return SeededOrganization(row["organization_id"], row["client_id"], row["client_secret"])

    # Snapshots -----------------------------------------------------------------------------

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, as plain JSON values: what :meth:`restore` puts back.

        For fixtures that must find the very objects a recorded Pulumi state names (their ids, the
        secret hashes of their clients, their timestamps), which the HTTP API cannot recreate since it
        chooses ids itself. A small JSON file reviews better than a SQLite one.
        """
        with self._lock:
            return {
                table: [dict(row) for row in self._conn.execute(f"SELECT * FROM {table} ORDER BY rowid")]
                for table in self._tables()
            }

    def restore(self, snapshot: dict[str, list[dict[str, Any]]]) -> None:
        """Insert the rows of a :meth:`snapshot` as they were, in one transaction.

        Unknown tables or columns are refused rather than dropped, so that a snapshot made by another
        version of the emulator fails loudly instead of seeding a different world. Ids already taken
        fail the same way (nothing is inserted then).
        """
        tables = self._tables()
        unknown = sorted(set(snapshot) - set(tables))
        if unknown:
            raise ValueError(f"the snapshot has tables the store does not: {', '.join(unknown)}")
        with self._tx() as conn:
            for table in tables:
                columns = self._columns(table)
                for row in snapshot.get(table, []):
                    extra = sorted(set(row) - set(columns))
                    if extra:
                        raise ValueError(f"the snapshot's {table} rows have unknown columns: {', '.join(extra)}")
                    names = list(row)
                    conn.execute(
                        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                        [row[name] for name in names],
                    )

    def _tables(self) -> list[str]:
        """The emulator's tables in the order _SCHEMA creates them (SQLite's own excluded)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            ).fetchall()
        return [row["name"] for row in rows]

    def _columns(self, table: str) -> list[str]:
        with self._lock:
            return [row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")]
