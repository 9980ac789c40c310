// Package secrets keeps API keys out of the database: in the operating
// system's keyring (github.com/zalando/go-keyring) where one answers, else in
// a 0600 JSON file under the XDG config directory. Backend says which one is
// in use so Settings can tell the user.
//
// Nothing here logs or formats a secret; errors name the entry, never its value.
package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/adrg/xdg"
	"github.com/zalando/go-keyring"
)

// Service is the keyring service name all Tracetune entries live under.
const Service = "tracetune"

// Backend names.
const (
	BackendKeyring = "keyring"
	BackendFile    = "file"
)

// ErrNotFound is returned by Get when no secret is stored under a name.
var ErrNotFound = errors.New("secret not found")

// Store keeps named secrets.
type Store struct {
	backend string
	path    string // file backend only
	note    string
	mu      sync.Mutex
}

// Status describes the backend in use, for the Settings screen.
type Status struct {
	Backend string `json:"backend"` // "keyring" or "file"
	Path    string `json:"path,omitempty"`
	Note    string `json:"note"`
}

// Options choose the backend. The zero value probes the keyring and falls
// back to the file under the XDG config directory.
type Options struct {
	// ForceFile skips the keyring (also set by TRACETUNE_SECRETS=file).
	ForceFile bool
	// Dir holds secrets.json for the file backend; default
	// $XDG_CONFIG_HOME/tracetune.
	Dir string
}

// Open picks a backend: the keyring when it answers a probe, else the file.
func Open(o Options) *Store {
	dir := o.Dir
	if dir == "" {
		xdg.Reload() // honour XDG_CONFIG_HOME set after process start (tests, e2e)
		dir = filepath.Join(xdg.ConfigHome, "tracetune")
	}
	path := filepath.Join(dir, "secrets.json")
	if !o.ForceFile && os.Getenv("TRACETUNE_SECRETS") != "file" {
		if err := probeKeyring(); err == nil {
			return &Store{backend: BackendKeyring, note: "API keys are stored in the operating system's keyring."}
		}
	}
	return &Store{backend: BackendFile, path: path,
		note: "No OS keyring (Secret Service) is available, so API keys are stored in " + path + " (readable only by you, mode 0600)."}
}

var (
	defaultOnce  sync.Once
	defaultStore *Store
)

// Default is the process-wide store, opened on first use.
func Default() *Store {
	defaultOnce.Do(func() { defaultStore = Open(Options{}) })
	return defaultStore
}

// probeKeyring reads a name that does not exist: a working Secret Service
// answers ErrNotFound. Without a session bus on Linux we do not even try,
// because godbus would otherwise autolaunch a dbus daemon. The probe is
// bounded in time because an unresponsive bus can block.
func probeKeyring() error {
	if runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return errors.New("no D-Bus session bus")
	}
	done := make(chan error, 1)
	go func() {
		_, err := keyring.Get(Service, "__probe__")
		if errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(3 * time.Second):
		return errors.New("keyring did not answer")
	}
}

// Status reports the backend in use.
func (s *Store) Status() Status { return Status{Backend: s.backend, Path: s.path, Note: s.note} }

// Backend is "keyring" or "file".
func (s *Store) Backend() string { return s.backend }

// Get returns the secret stored under name, or ErrNotFound.
func (s *Store) Get(name string) (string, error) {
	if s.backend == BackendKeyring {
		v, err := keyring.Get(Service, name)
		if errors.Is(err, keyring.ErrNotFound) {
			return "", fmt.Errorf("secret %q: %w", name, ErrNotFound)
		}
		if err != nil {
			return "", fmt.Errorf("keyring read of %q: %w", name, err)
		}
		return v, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readFile()
	if err != nil {
		return "", err
	}
	v, ok := m[name]
	if !ok {
		return "", fmt.Errorf("secret %q: %w", name, ErrNotFound)
	}
	return v, nil
}

// Set stores a secret under name, replacing any previous one.
func (s *Store) Set(name, secret string) error {
	if s.backend == BackendKeyring {
		if err := keyring.Set(Service, name, secret); err != nil {
			return fmt.Errorf("keyring write of %q: %w", name, err)
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readFile()
	if err != nil {
		return err
	}
	m[name] = secret
	return s.writeFile(m)
}

// Delete removes a secret; deleting a missing one is not an error.
func (s *Store) Delete(name string) error {
	if s.backend == BackendKeyring {
		err := keyring.Delete(Service, name)
		if err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("keyring delete of %q: %w", name, err)
		}
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.readFile()
	if err != nil {
		return err
	}
	if _, ok := m[name]; !ok {
		return nil
	}
	delete(m, name)
	return s.writeFile(m)
}

func (s *Store) readFile() (map[string]string, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read secrets file %s: %w", s.path, err)
	}
	m := map[string]string{}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			// The decoder's message quotes no input, so this cannot leak a key.
			return nil, fmt.Errorf("secrets file %s is not valid JSON: %w", s.path, err)
		}
	}
	return m, nil
}

// writeFile replaces the file atomically; the temp file is 0600 from birth so
// a key is never readable by others, even briefly.
func (s *Store) writeFile(m map[string]string) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create secrets directory: %w", err)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), ".secrets-*.json")
	if err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	tmp := f.Name()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write secrets file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write secrets file %s: %w", s.path, err)
	}
	return nil
}
