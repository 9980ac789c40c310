package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrSourceExists is returned when a source name is already in use.
var ErrSourceExists = errors.New("a source with that name already exists")

// SourceRow is a configured trace source (its keys live in the keyring).
type SourceRow struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	URL     string `json:"url"`
	Project string `json:"project"`
	// LookBackSeconds is how far before its cursor a pull re-reads, for
	// traces the gateway indexes late: 0 is DefaultLookBack (the zero value
	// of a new source), NoLookBack none at all. LookBack says which.
	LookBackSeconds int       `json:"look_back_seconds"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

const sourceCols = `id, name, kind, url, project, look_back_s, created_at, updated_at`

// DefaultLookBack is the look-back window of a source without its own.
const DefaultLookBack = 15 * time.Minute

// NoLookBack is the LookBackSeconds of a source whose pulls re-read nothing
// before their cursor (0 already means the default).
const NoLookBack = -1

// LookBack is the source's look-back window (0: none).
func (r SourceRow) LookBack() time.Duration {
	if r.LookBackSeconds < 0 {
		return 0
	}
	if r.LookBackSeconds == 0 {
		return DefaultLookBack
	}
	return time.Duration(r.LookBackSeconds) * time.Second
}

func scanSource(row interface{ Scan(...any) error }) (SourceRow, error) {
	var r SourceRow
	var c, u int64
	if err := row.Scan(&r.ID, &r.Name, &r.Kind, &r.URL, &r.Project, &r.LookBackSeconds, &c, &u); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return r, ErrNotFound
		}
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = fromMillis(c), fromMillis(u)
	return r, nil
}

// AddSource stores a new source, or replaces the settings of the source of
// the same name when replace is true.
func (s *Store) AddSource(ctx context.Context, r SourceRow, replace bool) (SourceRow, error) {
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return r, errors.New("source name is empty")
	}
	t := now()
	q := `INSERT INTO sources(name, kind, url, project, look_back_s, created_at, updated_at) VALUES(?,?,?,?,?,?,?)`
	if replace {
		q += ` ON CONFLICT(name) DO UPDATE SET kind=excluded.kind, url=excluded.url, project=excluded.project, look_back_s=excluded.look_back_s, updated_at=excluded.updated_at`
	}
	if _, err := s.db.ExecContext(ctx, q, r.Name, r.Kind, r.URL, r.Project, max(r.LookBackSeconds, NoLookBack), t, t); err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return r, fmt.Errorf("source %q: %w", r.Name, ErrSourceExists)
		}
		return r, err
	}
	return s.Source(ctx, r.Name)
}

// SetSourceLookBack changes a source's look-back window only (seconds as
// in SourceRow.LookBackSeconds), leaving its connection and keys alone.
func (s *Store) SetSourceLookBack(ctx context.Context, name string, seconds int) (SourceRow, error) {
	if seconds < NoLookBack {
		return SourceRow{}, fmt.Errorf("source %q: look-back %d s: want %d (none), 0 (the default) or more", name, seconds, NoLookBack)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE sources SET look_back_s=?, updated_at=? WHERE name=?`, seconds, now(), strings.TrimSpace(name))
	if err != nil {
		return SourceRow{}, fmt.Errorf("source %q: saving its look-back: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return SourceRow{}, fmt.Errorf("source %q: %w", name, ErrNotFound)
	}
	return s.Source(ctx, name)
}

// Source returns a source by name (case-insensitive).
func (s *Store) Source(ctx context.Context, name string) (SourceRow, error) {
	return queryOne(ctx, s.db, scanSource, fmt.Sprintf("source %q", name), `SELECT `+sourceCols+` FROM sources WHERE name=?`, strings.TrimSpace(name))
}

// SourceByID returns a source by id.
func (s *Store) SourceByID(ctx context.Context, id int64) (SourceRow, error) {
	return queryOne(ctx, s.db, scanSource, fmt.Sprintf("source %d", id), `SELECT `+sourceCols+` FROM sources WHERE id=?`, id)
}

// Sources lists every source by name.
func (s *Store) Sources(ctx context.Context) ([]SourceRow, error) {
	return queryAll(ctx, s.db, scanSource, `SELECT `+sourceCols+` FROM sources ORDER BY name`)
}

// RemoveSource deletes a source and, by cascade, its pull cursors. The
// records it brought stay in their datasets.
func (s *Store) RemoveSource(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM sources WHERE name=?`, strings.TrimSpace(name))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("source %q: %w", name, ErrNotFound)
	}
	return nil
}

// PullCursor is where the pulls of one source into one dataset stand.
type PullCursor struct {
	DatasetID  int64     `json:"dataset_id"`
	SourceID   int64     `json:"source_id"`
	SourceName string    `json:"source_name"` // filled by PullCursors
	SourceKind string    `json:"source_kind"` // filled by PullCursors
	Since      time.Time `json:"since"`       // traces before this are done
	High       time.Time `json:"high"`        // end of an unfinished pull's window; zero when none
	Floor      time.Time `json:"floor"`       // no look-back before this: the end of a listing picked from
	Token      string    `json:"token"`       // next page of the unfinished pull
	Filter     string    `json:"filter"`      // JSON of the filter the dataset pulls with
	LastNew    int       `json:"last_new"`    // records the last pull added
	UpdatedAt  time.Time `json:"updated_at"`
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// PullCursorFor returns the cursor of a dataset and source; found is false
// before the first pull.
func (s *Store) PullCursorFor(ctx context.Context, datasetID, sourceID int64) (c PullCursor, found bool, err error) {
	var since, high, floor, upd int64
	err = s.db.QueryRowContext(ctx, `SELECT since, high, floor, token, filter, last_new, updated_at FROM source_cursors WHERE dataset_id=? AND source_id=?`,
		datasetID, sourceID).Scan(&since, &high, &floor, &c.Token, &c.Filter, &c.LastNew, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return PullCursor{DatasetID: datasetID, SourceID: sourceID, Filter: "{}"}, false, nil
	}
	if err != nil {
		return c, false, err
	}
	c.DatasetID, c.SourceID = datasetID, sourceID
	c.Since, c.High, c.Floor, c.UpdatedAt = fromMillis(since), fromMillis(high), fromMillis(floor), fromMillis(upd)
	return c, true, nil
}

// SavePullCursor stores a cursor (after each page of a pull).
func (s *Store) SavePullCursor(ctx context.Context, c PullCursor) error {
	if c.Filter == "" {
		c.Filter = "{}"
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO source_cursors(dataset_id, source_id, since, high, floor, token, filter, last_new, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?)
		ON CONFLICT(dataset_id, source_id) DO UPDATE SET since=excluded.since, high=excluded.high, floor=excluded.floor, token=excluded.token,
			filter=excluded.filter, last_new=excluded.last_new, updated_at=excluded.updated_at`,
		c.DatasetID, c.SourceID, millis(c.Since), millis(c.High), millis(c.Floor), c.Token, c.Filter, c.LastNew, now())
	return err
}

// PullCursors lists the sources a dataset pulls from, most recent first.
func (s *Store) PullCursors(ctx context.Context, datasetID int64) ([]PullCursor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.source_id, s.name, s.kind, c.since, c.high, c.token, c.filter, c.last_new, c.updated_at
		FROM source_cursors c JOIN sources s ON s.id = c.source_id WHERE c.dataset_id=? ORDER BY c.updated_at DESC`, datasetID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PullCursor
	for rows.Next() {
		c := PullCursor{DatasetID: datasetID}
		var since, high, upd int64
		if err := rows.Scan(&c.SourceID, &c.SourceName, &c.SourceKind, &since, &high, &c.Token, &c.Filter, &c.LastNew, &upd); err != nil {
			return nil, err
		}
		c.Since, c.High, c.UpdatedAt = fromMillis(since), fromMillis(high), fromMillis(upd)
		out = append(out, c)
	}
	return out, rows.Err()
}

// PresentTraceIDs returns which of ids are already trace ids of records of
// the dataset (the records_trace index makes each chunk an index probe).
func (s *Store) PresentTraceIDs(ctx context.Context, datasetID int64, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	const chunk = 400
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, datasetID)
		for _, id := range part {
			args = append(args, id)
		}
		q := `SELECT trace_id FROM records WHERE dataset_id=? AND trace_id <> '' AND trace_id IN (?` + strings.Repeat(",?", len(part)-1) + `)`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
