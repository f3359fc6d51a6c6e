"""A stand-in for the Python service that shares the database file (DESIGN §4), on stdlib sqlite3.

It keeps one connection open, as the service does, and answers one JSON command per line of
standard input with one JSON line:
  {"open": path, "wal": bool}   opens (and creates) the database; WAL mode when asked
  {"save": thread_id}            commits a negotiation row awaiting a reply
  {"audit": text}                commits a row of the service's own audit table
  {"begin": thread_id}           starts a transaction that changes a row and audit rows, large
                                 enough to reach the database file, and leaves it open
  {"read": true}                 {"threads", "audit", "integrity", "schema"} as committed
  {"close": true}                closes the connection (SQLite checkpoints a WAL as it closes)
Every command answers {"ok": true, ...}, or {"error": message}.
"""

import json
import sqlite3
import sys

DDL = """
CREATE TABLE IF NOT EXISTS negotiation_state (
    thread_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    round_count INTEGER NOT NULL DEFAULT 0,
    context_json TEXT NOT NULL,
    campaign_json TEXT NOT NULL,
    cpm_tracker_json TEXT NOT NULL,
    history_json TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS idx_neg_state_state ON negotiation_state (state);
CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY, entry TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS idx_audit_entry ON audit_log (entry);
"""

CAMPAIGN = {
    "campaign_id": "camp-py",
    "client_name": "Python Client",
    "target_deliverables": "1 Reel",
    "budget": "5000.00",
    "cpm_range": {"min_cpm": "20", "max_cpm": "30"},
    "created_at": "2026-01-15T12:00:00Z",
}

TRACKER = {
    "campaign_id": "camp-py",
    "target_min_cpm": "20",
    "target_max_cpm": "30",
    "total_influencers": 5,
    "agreements": [{"cpm": "25.50", "engagement_rate": 4.2}],
}


def main():
    connection = None
    for line in sys.stdin:
        command = json.loads(line)
        try:
            if "open" in command:
                connection = sqlite3.connect(command["open"], isolation_level=None)
                if command.get("wal"):
                    connection.execute("PRAGMA journal_mode=WAL")
                    # The frames stay in the WAL, as they do between a busy service's checkpoints.
                    connection.execute("PRAGMA wal_autocheckpoint=0")
                connection.executescript(DDL)
                answer = {}
            elif "save" in command:
                connection.execute(
                    "INSERT OR REPLACE INTO negotiation_state (thread_id, state, round_count,"
                    " context_json, campaign_json, cpm_tracker_json, history_json)"
                    " VALUES (?, 'awaiting_reply', 1, ?, ?, ?, ?)",
                    (
                        command["save"],
                        json.dumps({"next_cpm": "25.50", "by": "python"}),
                        json.dumps(CAMPAIGN),
                        json.dumps(TRACKER),
                        json.dumps([["initial_offer", "send_offer", "awaiting_reply"]]),
                    ),
                )
                answer = {}
            elif "begin" in command:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(
                    "UPDATE negotiation_state SET round_count = round_count + 1 WHERE thread_id = ?",
                    (command["begin"],))
                # More than the page cache holds: SQLite spills pages into the database file
                # mid-transaction, after syncing the journal, which makes the journal hot.
                connection.execute("PRAGMA cache_size=2")
                connection.executemany("INSERT INTO audit_log (entry) VALUES (?)",
                                       [("uncommitted " + "x" * 1000,)] * 500)
                answer = {}
            elif "audit" in command:
                connection.execute("INSERT INTO audit_log (entry) VALUES (?)", (command["audit"],))
                answer = {}
            elif "read" in command:
                threads = [row[0] for row in connection.execute(
                    "SELECT thread_id FROM negotiation_state ORDER BY thread_id")]
                audit = [row[0] for row in connection.execute(
                    "SELECT entry FROM audit_log ORDER BY id")]
                integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
                schema = [list(row) for row in connection.execute(
                    "SELECT type, name, rootpage, sql FROM sqlite_master ORDER BY name")]
                answer = {"threads": threads, "audit": audit, "integrity": integrity,
                          "schema": schema}
            elif "close" in command:
                connection.close()
                connection = None
                answer = {}
            else:
                raise ValueError(f"unknown command {command!r}")
            print(json.dumps({"ok": True, **answer}), flush=True)
        except Exception as error:  # every failure goes back to the test as data
            print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)


main()
