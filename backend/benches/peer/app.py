"""The seed-style peer of the reads benchmark (backend/benches/reads.rs).

The recordings list as the seed design's FastAPI backend serves it: a sync
endpoint (run in FastAPI's thread pool) that selects whole rows, newest
first, with LIMIT/OFFSET, counts them with COUNT(*), and returns a pydantic
page. It reads Earshot's own SQLite file, read-only, so both servers answer
from the same data and the same indexes.

    PEER_DB=/path/to/earshot.db uvicorn app:app --app-dir backend/benches/peer

Each thread of the pool keeps one connection, as a connection pool would.
The answer carries the fields of Earshot's list items except
`project_name` (which Earshot joins in).
"""

import os
import sqlite3
import threading
from datetime import datetime
from typing import Optional

from fastapi import FastAPI, Query
from pydantic import BaseModel

DATABASE = os.environ["PEER_DB"]

app = FastAPI(title="seed-style peer")
_local = threading.local()


def connection() -> sqlite3.Connection:
    """This thread's read-only connection to the database."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = sqlite3.connect(f"file:{DATABASE}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        _local.conn = conn
    return conn


class Recording(BaseModel):
    id: str
    title: str
    status: str
    progress: int
    error: Optional[str]
    project_id: Optional[str]
    file_name: str
    size_bytes: int
    format: Optional[str]
    duration_ms: Optional[int]
    sample_rate: Optional[int]
    channels: Optional[int]
    peak_dbfs: Optional[float]
    rms_dbfs: Optional[float]
    has_transcript: bool
    created_at: datetime
    updated_at: datetime


class Page(BaseModel):
    items: list[Recording]
    total: int
    page: int
    per_page: int


FIELDS = [name for name in Recording.model_fields if name != "has_transcript"]


@app.get("/api/recordings", response_model=Page)
def list_recordings(
    page: int = Query(1, ge=1), per_page: int = Query(25, ge=1, le=200)
) -> Page:
    db = connection()
    rows = db.execute(
        "SELECT * FROM recordings ORDER BY created_at DESC LIMIT ? OFFSET ?",
        (per_page, (page - 1) * per_page),
    ).fetchall()
    total = db.execute("SELECT COUNT(*) FROM recordings").fetchone()[0]
    items = [
        Recording(
            **{name: row[name] for name in FIELDS},
            has_transcript=bool(row["transcript"]),
        )
        for row in rows
    ]
    return Page(items=items, total=total, page=page, per_page=per_page)
