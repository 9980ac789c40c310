package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrProviderNameTaken is returned when a provider name is already in use.
var ErrProviderNameTaken = errors.New("a provider with that name already exists")

// Provider is a configured OpenAI-compatible endpoint. It has no key field on
// purpose: keys are kept by backend/secrets, never in SQLite.
type Provider struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Kind           string    `json:"kind"`
	BaseURL        string    `json:"base_url"`
	APIVersion     string    `json:"api_version"`
	Concurrency    int       `json:"concurrency"`
	RPM            int       `json:"rpm"` // requests per minute; 0 = unlimited
	MaxRetries     int       `json:"max_retries"`
	TimeoutMS      int       `json:"timeout_ms"`
	StructuredMode string    `json:"structured_mode"` // learned: json_schema|json_object|text, "" = untested
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

const providerCols = `id, name, kind, base_url, api_version, concurrency, rpm, max_retries, timeout_ms, structured_mode, created_at, updated_at`

func scanProvider(row interface{ Scan(...any) error }) (Provider, error) {
	var p Provider
	var c, u int64
	err := row.Scan(&p.ID, &p.Name, &p.Kind, &p.BaseURL, &p.APIVersion, &p.Concurrency, &p.RPM, &p.MaxRetries, &p.TimeoutMS, &p.StructuredMode, &c, &u)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	p.CreatedAt, p.UpdatedAt = fromMillis(c), fromMillis(u)
	return p, err
}

func uniqueErr(err error, name string) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return fmt.Errorf("provider %q: %w", name, ErrProviderNameTaken)
	}
	return err
}

// CreateProvider inserts a provider; ID and timestamps are filled in.
func (s *Store) CreateProvider(ctx context.Context, p Provider) (Provider, error) {
	t := now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO providers(name, kind, base_url, api_version, concurrency, rpm, max_retries, timeout_ms, structured_mode, created_at, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?,?,?)`, p.Name, p.Kind, p.BaseURL, p.APIVersion, p.Concurrency, p.RPM, p.MaxRetries, p.TimeoutMS, p.StructuredMode, t, t)
	if err != nil {
		return p, uniqueErr(err, p.Name)
	}
	p.ID, _ = res.LastInsertId()
	p.CreatedAt, p.UpdatedAt = fromMillis(t), fromMillis(t)
	return p, nil
}

// UpdateProvider rewrites a provider's settings. A rename carries its role
// assignments along. The learned structured-output mode is reset when the
// endpoint changes, since the new one may support a different mode.
func (s *Store) UpdateProvider(ctx context.Context, p Provider) (Provider, error) {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanProvider(tx.QueryRowContext(ctx, `SELECT `+providerCols+` FROM providers WHERE id=?`, p.ID))
		if err != nil {
			return fmt.Errorf("provider %d: %w", p.ID, err)
		}
		if old.BaseURL != p.BaseURL || old.Kind != p.Kind || old.APIVersion != p.APIVersion {
			p.StructuredMode = ""
		} else {
			p.StructuredMode = old.StructuredMode
		}
		if _, err := tx.ExecContext(ctx, `UPDATE providers SET name=?, kind=?, base_url=?, api_version=?, concurrency=?, rpm=?, max_retries=?, timeout_ms=?, structured_mode=?, updated_at=? WHERE id=?`,
			p.Name, p.Kind, p.BaseURL, p.APIVersion, p.Concurrency, p.RPM, p.MaxRetries, p.TimeoutMS, p.StructuredMode, now(), p.ID); err != nil {
			return uniqueErr(err, p.Name)
		}
		if !strings.EqualFold(old.Name, p.Name) {
			_, err = tx.ExecContext(ctx, `UPDATE llm_roles SET provider=? WHERE provider=?`, p.Name, old.Name)
		}
		return err
	})
	if err != nil {
		return p, err
	}
	return s.Provider(ctx, p.ID)
}

// DeleteProvider removes a provider and the role assignments that used it.
func (s *Store) DeleteProvider(ctx context.Context, id int64) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM providers WHERE id=?`, id).Scan(&name); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("provider %d: %w", id, ErrNotFound)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM llm_roles WHERE provider=?`, name); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM providers WHERE id=?`, id)
		return err
	})
}

// Provider returns one provider by id.
func (s *Store) Provider(ctx context.Context, id int64) (Provider, error) {
	return queryOne(ctx, s.db, scanProvider, fmt.Sprintf("provider %d", id), `SELECT `+providerCols+` FROM providers WHERE id=?`, id)
}

// ProviderByName returns one provider by (case-insensitive) name.
func (s *Store) ProviderByName(ctx context.Context, name string) (Provider, error) {
	return queryOne(ctx, s.db, scanProvider, fmt.Sprintf("provider %q", name), `SELECT `+providerCols+` FROM providers WHERE name=?`, strings.TrimSpace(name))
}

// Providers lists all providers by name.
func (s *Store) Providers(ctx context.Context) ([]Provider, error) {
	return queryAll(ctx, s.db, scanProvider, `SELECT `+providerCols+` FROM providers ORDER BY name`)
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner = interface{ Scan(...any) error }

// queryOne runs a query for one row and scans it with scan; no row is
// ErrNotFound, wrapped with what names the row ("provider 3").
func queryOne[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), what, q string, args ...any) (T, error) {
	v, err := scan(db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, ErrNotFound) {
		return v, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return v, err
}

// queryAll runs a query and scans each row it returns with scan (nil when
// there is none).
func queryAll[T any](ctx context.Context, db *sql.DB, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// SetProviderStructuredMode remembers which structured-output mode works for
// a provider so later calls skip the modes it rejects.
func (s *Store) SetProviderStructuredMode(ctx context.Context, name, mode string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE providers SET structured_mode=? WHERE name=?`, mode, name)
	return err
}

// RoleAssignment says which provider and model serve a role.
type RoleAssignment struct {
	Role     string `json:"role"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
}

// SetRole assigns a provider and model to a role; an empty provider clears it.
func (s *Store) SetRole(ctx context.Context, a RoleAssignment) error {
	if strings.TrimSpace(a.Provider) == "" {
		_, err := s.db.ExecContext(ctx, `DELETE FROM llm_roles WHERE role=?`, a.Role)
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO llm_roles(role, provider, model, updated_at) VALUES(?,?,?,?)
		ON CONFLICT(role) DO UPDATE SET provider=excluded.provider, model=excluded.model, updated_at=excluded.updated_at`,
		a.Role, strings.TrimSpace(a.Provider), strings.TrimSpace(a.Model), now())
	return err
}

// Role returns a role's assignment, or ErrNotFound.
func (s *Store) Role(ctx context.Context, role string) (RoleAssignment, error) {
	a := RoleAssignment{Role: role}
	err := s.db.QueryRowContext(ctx, `SELECT provider, model FROM llm_roles WHERE role=?`, role).Scan(&a.Provider, &a.Model)
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("role %q: %w", role, ErrNotFound)
	}
	return a, err
}

// Roles lists every stored role assignment.
func (s *Store) Roles(ctx context.Context) ([]RoleAssignment, error) {
	return queryAll(ctx, s.db, func(row scanner) (a RoleAssignment, err error) {
		err = row.Scan(&a.Role, &a.Provider, &a.Model)
		return
	}, `SELECT role, provider, model FROM llm_roles ORDER BY role`)
}

// Price is the cost of a model in USD per million tokens.
type Price struct {
	Model          string  `json:"model"`
	PromptPerM     float64 `json:"prompt_per_m"`
	CompletionPerM float64 `json:"completion_per_m"`
}

// Prices lists the price table.
func (s *Store) Prices(ctx context.Context) ([]Price, error) {
	return queryAll(ctx, s.db, func(row scanner) (p Price, err error) {
		err = row.Scan(&p.Model, &p.PromptPerM, &p.CompletionPerM)
		return
	}, `SELECT model, prompt_per_m, completion_per_m FROM llm_prices ORDER BY model`)
}

// SetPrice adds or changes one row of the price table.
func (s *Store) SetPrice(ctx context.Context, p Price) error {
	if strings.TrimSpace(p.Model) == "" {
		return errors.New("price: model is empty")
	}
	if p.PromptPerM < 0 || p.CompletionPerM < 0 {
		return fmt.Errorf("price for %q: negative price", p.Model)
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO llm_prices(model, prompt_per_m, completion_per_m, updated_at) VALUES(?,?,?,?)
		ON CONFLICT(model) DO UPDATE SET prompt_per_m=excluded.prompt_per_m, completion_per_m=excluded.completion_per_m, updated_at=excluded.updated_at`,
		strings.TrimSpace(p.Model), p.PromptPerM, p.CompletionPerM, now())
	return err
}

// DeletePrice removes one row of the price table.
func (s *Store) DeletePrice(ctx context.Context, model string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM llm_prices WHERE model=?`, model)
	return err
}

// Usage is the accounting of one (dataset, action, provider, model).
type Usage struct {
	DatasetID        int64   `json:"dataset_id"`
	Action           string  `json:"action"`
	Provider         string  `json:"provider"`
	Model            string  `json:"model"`
	Calls            int64   `json:"calls"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	Cost             float64 `json:"cost"`
}

// AddUsage adds one call's (or a batch's) tokens and cost to the totals.
func (s *Store) AddUsage(ctx context.Context, u Usage) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO llm_usage(dataset_id, action, provider, model, calls, prompt_tokens, completion_tokens, cost, updated_at)
		VALUES(?,?,?,?,?,?,?,?,?)
		ON CONFLICT(dataset_id, action, provider, model) DO UPDATE SET
			calls=calls+excluded.calls, prompt_tokens=prompt_tokens+excluded.prompt_tokens,
			completion_tokens=completion_tokens+excluded.completion_tokens, cost=cost+excluded.cost, updated_at=excluded.updated_at`,
		u.DatasetID, u.Action, u.Provider, u.Model, u.Calls, u.PromptTokens, u.CompletionTokens, u.Cost, now())
	return err
}

// UsageFor lists a dataset's accounting rows (datasetID 0: those tied to no
// dataset), by action.
func (s *Store) UsageFor(ctx context.Context, datasetID int64) ([]Usage, error) {
	return queryAll(ctx, s.db, func(row scanner) (u Usage, err error) {
		err = row.Scan(&u.DatasetID, &u.Action, &u.Provider, &u.Model, &u.Calls, &u.PromptTokens, &u.CompletionTokens, &u.Cost)
		return
	}, `SELECT dataset_id, action, provider, model, calls, prompt_tokens, completion_tokens, cost
		FROM llm_usage WHERE dataset_id=? ORDER BY action, provider, model`, datasetID)
}

// EnsureSetting returns an app-wide setting, first storing value if the key
// is unset; concurrent callers all get the one value that won.
func (s *Store) EnsureSetting(ctx context.Context, key, value string) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO app_settings(key, value) VALUES(?,?)`, key, value); err != nil {
		return "", err
	}
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM app_settings WHERE key=?`, key).Scan(&v)
	return v, err
}
