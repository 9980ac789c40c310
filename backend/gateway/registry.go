package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	// LookBack is the window each pull re-reads before its cursor, in the
	// syntax --look-back takes ("15m", "0s" for none).
	LookBack string `json:"look_back"`
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
	if c.LookBackSeconds < store.NoLookBack || c.LookBackSeconds > int(MaxLookBack/time.Second) {
		return Saved{}, fmt.Errorf("source %q: look-back %d s: want %d (none), 0 (keep, or the default %s) or up to %d (%s)",
			c.Name, c.LookBackSeconds, store.NoLookBack, FormatLookBack(DefaultLookBack), int(MaxLookBack/time.Second), FormatLookBack(MaxLookBack))
	}
	if c.LookBackSeconds == 0 && replace {
		// like an empty key, an unset look-back keeps the stored one
		if old, err := st.Source(ctx, c.Name); err == nil {
			c.LookBackSeconds = old.LookBackSeconds
		}
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
	return Saved{SourceRow: row, HasKey: has("key"), HasPublicKey: has("public_key"), HasSecretKey: has("secret_key"),
		LookBack: FormatLookBack(row.LookBack())}
}

// MaxLookBack is the longest look-back window a source may have: every
// pull lists the whole window again.
const MaxLookBack = 7 * 24 * time.Hour

// LookBackSetting turns a look-back window into a source's stored setting
// (0: no overlap, store.NoLookBack), refusing a negative or too long one.
// Part of a second counts as a second.
func LookBackSetting(d time.Duration) (int, error) {
	switch {
	case d < 0:
		return 0, fmt.Errorf("can't be negative; want 0 (no overlap) up to %s (7 days)", FormatLookBack(MaxLookBack))
	case d > MaxLookBack:
		return 0, fmt.Errorf("longer than 7 days; want 0 (no overlap) up to %s (7 days)", FormatLookBack(MaxLookBack))
	case d == 0:
		return store.NoLookBack, nil
	}
	return int((d + time.Second - 1) / time.Second), nil
}

// FormatLookBack writes a window as a Go duration without its trailing
// zero units: "45m", "2h", "1h30m", "0s".
func FormatLookBack(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// SetLookBack changes the look-back window of a saved source (0: none),
// keeping its connection and keys.
func SetLookBack(ctx context.Context, st *store.Store, sec *secrets.Store, name string, d time.Duration) (Saved, error) {
	secs, err := LookBackSetting(d)
	if err != nil {
		return Saved{}, fmt.Errorf("source %q: look-back %s: %w", name, FormatLookBack(d), err)
	}
	row, err := st.SetSourceLookBack(ctx, name, secs)
	if err != nil {
		return Saved{}, err
	}
	return describe(sec, row), nil
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
