# Baseline for BenchmarkCompare100k: a naive Python import of a JSONL file
# (json.loads per line, one executemany into SQLite, one commit).
# usage: python3 naive_import.py FILE DB
import json, sqlite3, sys, os
path, db = sys.argv[1], sys.argv[2]
if os.path.exists(db): os.remove(db)
con = sqlite3.connect(db)
con.execute("CREATE TABLE records(id INTEGER PRIMARY KEY, line INTEGER, raw TEXT, messages TEXT, code TEXT)")
rows = []
with open(path, encoding="utf-8-sig") as f:
    for i, line in enumerate(f, 1):
        line = line.strip()
        if not line: continue
        try:
            o = json.loads(line)
        except ValueError:
            rows.append((i, line, None, "invalid_data_structure")); continue
        if not isinstance(o, dict):
            rows.append((i, line, None, "invalid_data_structure")); continue
        msgs = o.get("input", {}).get("messages") if isinstance(o.get("input"), dict) else o.get("messages")
        rows.append((i, line, json.dumps(msgs) if msgs is not None else None, ""))
con.executemany("INSERT INTO records(line, raw, messages, code) VALUES(?,?,?,?)", rows)
con.commit()
print(con.execute("SELECT COUNT(*) FROM records").fetchone()[0])
