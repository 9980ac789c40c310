package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Keyring entry names of a source's credentials.
func keyName(source, field string) string { return "source/" + strings.ToLower(source) + "/" + field }

// Saved is a configured source as Settings shows it: never the keys, only
// whether they are set.
type Saved struct {
	store.SourceRow
	HasKey       bool `json:"has_key"`
	HasPublicKey bool `json:"has_public_key"`
	HasSecretKey bool `json:"has_secret_key"`
}

// Save validates a source config, stores its settings in the database and
// its keys in the keyring. Empty key fields keep the keys already stored
// (editing a URL must not require retyping a secret).
func Save(ctx context.Context, st *store.Store, sec *secrets.Store, c Config, replace bool) (Saved, error) {
	c.Name = strings.TrimSpace(c.Name)
	kind, err := ParseKind(string(c.Kind))
	if err != nil {
		return Saved{}, fmt.Errorf("source %q: %w", c.Name, err)
	}
	c.Kind = kind
	if c.Name == "" {
		return Saved{}, errors.New("source name is empty")
	}
	if strings.ContainsAny(c.Name, "/:") {
		return Saved{}, fmt.Errorf("source name %q: use letters, digits, - or _ (no / or :)", c.Name)
	}
	// Fill missing keys from the keyring to validate the whole config.
	full := c
	if err := fillKeys(sec, &full); err != nil {
		return Saved{}, err
	}
	if _, err := Open(full); err != nil {
		return Saved{}, err
	}
	if c.LookBackSeconds < 0 {
		return Saved{}, fmt.Errorf("source %q: look-back %d s: want 0 (the default, 15 minutes) or more", c.Name, c.LookBackSeconds)
	}
	row, err := st.AddSource(ctx, store.SourceRow{Name: c.Name, Kind: string(c.Kind), URL: strings.TrimSpace(c.URL), Project: c.Project, LookBackSeconds: c.LookBackSeconds}, replace)
	if err != nil {
		return Saved{}, err
	}
	for field, v := range map[string]string{"key": c.Key, "public_key": c.PublicKey, "secret_key": c.SecretKey} {
		if v == "" {
			continue
		}
		if err := sec.Set(keyName(c.Name, field), v); err != nil {
			return Saved{}, fmt.Errorf("source %q: storing its %s: %w", c.Name, strings.ReplaceAll(field, "_", " "), err)
		}
	}
	return describe(sec, row), nil
}

func fillKeys(sec *secrets.Store, c *Config) error {
	for _, f := range []struct {
		field string
		dst   *string
	}{{"key", &c.Key}, {"public_key", &c.PublicKey}, {"secret_key", &c.SecretKey}} {
		if *f.dst != "" {
			continue
		}
		v, err := sec.Get(keyName(c.Name, f.field))
		if err != nil && !errors.Is(err, secrets.ErrNotFound) {
			return fmt.Errorf("source %q: reading its %s: %w", c.Name, strings.ReplaceAll(f.field, "_", " "), err)
		}
		*f.dst = v
	}
	return nil
}

func describe(sec *secrets.Store, row store.SourceRow) Saved {
	has := func(f string) bool { v, err := sec.Get(keyName(row.Name, f)); return err == nil && v != "" }
	return Saved{SourceRow: row, HasKey: has("key"), HasPublicKey: has("public_key"), HasSecretKey: has("secret_key")}
}

// List returns every configured source.
func List(ctx context.Context, st *store.Store, sec *secrets.Store) ([]Saved, error) {
	rows, err := st.Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Saved, 0, len(rows))
	for _, r := range rows {
		out = append(out, describe(sec, r))
	}
	return out, nil
}

// Load opens a configured source by name with its keys from the keyring.
func Load(ctx context.Context, st *store.Store, sec *secrets.Store, name string) (Source, store.SourceRow, error) {
	row, err := st.Source(ctx, name)
	if err != nil {
		return nil, row, err
	}
	c := Config{Name: row.Name, Kind: Kind(row.Kind), URL: row.URL, Project: row.Project, LookBackSeconds: row.LookBackSeconds}
	if err := fillKeys(sec, &c); err != nil {
		return nil, row, err
	}
	src, err := Open(c)
	return src, row, err
}

// Remove deletes a source and its keys.
func Remove(ctx context.Context, st *store.Store, sec *secrets.Store, name string) error {
	row, err := st.Source(ctx, name)
	if err != nil {
		return err
	}
	if err := st.RemoveSource(ctx, row.Name); err != nil {
		return err
	}
	for _, f := range []string{"key", "public_key", "secret_key"} {
		if err := sec.Delete(keyName(row.Name, f)); err != nil {
			return fmt.Errorf("source %q removed, but its keys could not be deleted: %w", row.Name, err)
		}
	}
	return nil
}
