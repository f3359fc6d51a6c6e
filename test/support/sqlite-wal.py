"""SQLite WAL files made and read by Python's own sqlite3, for test/persistence/sqlite-wal.test.ts.

  write <db> <scenario> <page_size>
      Opens <db> in WAL mode with wal_autocheckpoint=0, commits the scenario's transactions,
      prints one JSON line (the committed content as this connection sees it), then keeps
      the connection open until stdin closes or the process is killed.
  read <db> [<db> ...]
      For each database (a copy: opening it recovers and checkpoints its WAL), prints
      {"integrity": ..., "content": ...} and checkpoints it fully, so that <db> is left as
      exactly the image SQLite read. Prints a JSON list; an entry is {"error": ...} when
      SQLite refuses the file.
  rewrite <wal-in> <wal-out> <big|little> [<version> [<page_size>]]
      Rewrites a WAL with the other (or same) checksum byte order and, optionally, another
      format version and page size in its header, recomputing every checksum; frames stop
      being rewritten at the first one whose salts do not match the header.
  inspect <wal>
      Prints the frame count and, for the leading run of valid frames (salts and running
      checksum as the format says), their number and which of them are commit frames.
"""

import hashlib
import json
import random
import sqlite3
import struct
import sys


def dump(db):
    """Every table's rows, by rowid, plus the schema; blobs as {"sha256": hex digest}."""

    def value(v):
        return {"sha256": hashlib.sha256(v).hexdigest()} if isinstance(v, bytes) else v

    content = {
        "schema": [
            list(r)
            for r in db.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
            )
        ]
    }
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    for name in sorted(tables):
        rows = db.execute(f'SELECT rowid, * FROM "{name}" ORDER BY rowid').fetchall()
        content[name] = [[value(v) for v in row] for row in rows]
    return content


def transaction(db, *statements):
    db.execute("BEGIN")
    for sql, params in statements:
        db.execute(sql, params)
    db.execute("COMMIT")


def text(rng, size):
    return "".join(rng.choices("abcdefghijklmnopqrstuvwxyz ", k=size))


def write(path, scenario, page_size):
    rng = random.Random(f"{scenario}-{page_size}")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(f"PRAGMA page_size={page_size}")
    assert db.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    db.execute("PRAGMA wal_autocheckpoint=0")

    db.execute(
        "CREATE TABLE negotiation_state (thread_id TEXT PRIMARY KEY, state TEXT NOT NULL,"
        " round_count INTEGER NOT NULL DEFAULT 0, context_json TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_neg_state_state ON negotiation_state (state)")
    base_rows = 1200 if scenario == "shrink" else 40
    db.execute("BEGIN")
    for i in range(base_rows):
        db.execute(
            "INSERT INTO negotiation_state VALUES (?, ?, ?, ?)",
            (f"t{i:05}", rng.choice(["initial_offer", "countered"]), i % 7, text(rng, 300)),
        )
    db.execute("COMMIT")
    if scenario != "fresh":
        # The rows so far live in <db> itself; what follows stays in <db>-wal.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    if scenario == "shrink":
        transaction(db, ("DELETE FROM negotiation_state WHERE rowid % 10 != 0", ()))
        db.execute("VACUUM")
    elif scenario == "big":
        db.execute("CREATE TABLE blobs (id INTEGER PRIMARY KEY, payload BLOB)")
        for _ in range(8):
            transaction(
                db,
                *[("INSERT INTO blobs (payload) VALUES (?)", (rng.randbytes(64_000),)) for _ in range(64)],
            )
    else:
        transaction(
            db,
            ("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT, payload BLOB)", ()),
            ("CREATE INDEX idx_audit_at ON audit_log (at)", ()),
        )
        for chunk in range(3):
            db.execute("BEGIN")
            for i in range(150):
                db.execute(
                    "INSERT INTO audit_log (at, payload) VALUES (?, ?)",
                    (f"2024-01-{chunk + 1:02}T00:00:{i % 60:02}Z", rng.randbytes(120)),
                )
            db.execute("COMMIT")
        transaction(
            db,
            ("UPDATE negotiation_state SET state = 'accepted', round_count = round_count + 1"
             " WHERE rowid % 3 = 0", ()),
            ("UPDATE audit_log SET payload = NULL WHERE id % 5 = 0", ()),
        )
        transaction(
            db,
            ("DELETE FROM negotiation_state WHERE rowid % 4 = 1", ()),
            ("DELETE FROM audit_log WHERE id BETWEEN 100 AND 200", ()),
        )
        # Rows far bigger than a page: overflow chains.
        transaction(
            db,
            *[
                ("INSERT INTO audit_log (at, payload) VALUES (?, ?)", (f"big{i}", rng.randbytes(30_000)))
                for i in range(4)
            ],
            ("INSERT INTO negotiation_state VALUES ('big', 'countered', 9, ?)", (text(rng, 20_000),)),
        )
        transaction(
            db,
            ("UPDATE audit_log SET payload = ? WHERE at = 'big1'", (b"small",)),
            ("DELETE FROM audit_log WHERE at = 'big2'", ()),
            ("UPDATE negotiation_state SET round_count = 42 WHERE thread_id = 't00002'", ()),
        )

    if scenario == "restart":
        # The next writer starts the WAL over with new salts; the older, longer run of
        # frames stays behind the new ones.
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        assert busy == 0
        transaction(
            db,
            ("INSERT INTO negotiation_state VALUES ('after-restart', 'accepted', 1, '{}')", ()),
        )

    committed = dump(db)

    if scenario == "uncommitted":
        # A transaction in progress: a small cache makes SQLite spill its dirty pages into
        # the WAL as frames without a commit marker.
        db.execute("PRAGMA cache_size=4")
        db.execute("BEGIN")
        for i in range(400):
            db.execute(
                "INSERT INTO negotiation_state VALUES (?, 'initial_offer', 0, ?)",
                (f"uncommitted{i}", text(rng, 400)),
            )

    print(json.dumps(committed), flush=True)
    sys.stdin.read()


def read(paths):
    results = []
    for path in paths:
        try:
            db = sqlite3.connect(path, isolation_level=None)
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            content = dump(db)
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            db.close()
            results.append({"integrity": integrity, "content": content})
        except sqlite3.Error as error:
            results.append({"error": str(error)})
    print(json.dumps(results))


def checksum(data, order, s0, s1):
    words = struct.unpack(f"{order}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


def rewrite(source, target, byte_order, version=None, page_size=None):
    wal = bytearray(open(source, "rb").read())
    order = ">" if byte_order == "big" else "<"
    struct.pack_into(">I", wal, 0, 0x377F0683 if byte_order == "big" else 0x377F0682)
    if version is not None:
        struct.pack_into(">I", wal, 4, int(version))
    if page_size is not None:
        struct.pack_into(">I", wal, 8, int(page_size))
    page_size = struct.unpack_from(">I", wal, 8)[0]
    sums = checksum(bytes(wal[0:24]), order, 0, 0)
    struct.pack_into(">II", wal, 24, *sums)
    salts = bytes(wal[16:24])
    at = 32
    while at + 24 + page_size <= len(wal) and bytes(wal[at + 8 : at + 16]) == salts:
        sums = checksum(bytes(wal[at : at + 8]), order, *sums)
        sums = checksum(bytes(wal[at + 24 : at + 24 + page_size]), order, *sums)
        struct.pack_into(">II", wal, at + 16, *sums)
        at += 24 + page_size
    open(target, "wb").write(wal)


def inspect(path):
    wal = open(path, "rb").read()
    magic, _, page_size = struct.unpack_from(">III", wal, 0)
    order = ">" if magic & 1 else "<"
    frame_size = 24 + page_size
    frame_count = (len(wal) - 32) // frame_size
    sums = checksum(wal[0:24], order, 0, 0)
    valid, commits, salted = 0, [], 0
    for frame in range(frame_count):
        at = 32 + frame * frame_size
        page, commit = struct.unpack_from(">II", wal, at)
        salts_match = wal[at + 8 : at + 16] == wal[16:24]
        salted += salts_match
        if valid < frame:
            continue
        sums = checksum(wal[at : at + 8], order, *sums)
        sums = checksum(wal[at + 24 : at + frame_size], order, *sums)
        if page == 0 or not salts_match or sums != struct.unpack_from(">II", wal, at + 16):
            continue
        valid += 1
        if commit:
            commits.append({"frames": frame + 1, "pages": commit})
    print(json.dumps({
        "pageSize": page_size,
        "frameCount": frame_count,
        "framesWithHeaderSalts": salted,
        "validFrames": valid,
        "commits": commits,
    }))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "write":
        write(args[0], args[1], int(args[2]))
    elif command == "read":
        read(args)
    elif command == "rewrite":
        rewrite(*args)
    elif command == "inspect":
        inspect(args[0])
    else:
        sys.exit(f"unknown command {command}")
