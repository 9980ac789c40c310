package secrets

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestFileBackendRoundTripAndMode(t *testing.T) {
	dir := t.TempDir()
	s := Open(Options{ForceFile: true, Dir: dir})
	if s.Backend() != BackendFile {
		t.Fatalf("backend = %q, want file", s.Backend())
	}
	if !strings.Contains(s.Status().Note, "0600") {
		t.Fatalf("note should explain the file fallback: %q", s.Status().Note)
	}
	if _, err := s.Get("p1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get missing = %v, want ErrNotFound", err)
	}
	if err := s.Set("p1", "sk-secret-one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set("p2", "sk-secret-two"); err != nil {
		t.Fatal(err)
	}
	// A second Store on the same dir (a restarted app) sees the keys.
	s2 := Open(Options{ForceFile: true, Dir: dir})
	if v, err := s2.Get("p1"); err != nil || v != "sk-secret-one" {
		t.Fatalf("Get p1 = %q, %v", v, err)
	}
	st, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("secrets file mode = %v, want 0600", st.Mode().Perm())
	}
	if err := s2.Delete("p1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Delete("p1"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.Get("p1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after delete Get = %v", err)
	}
	if v, _ := s.Get("p2"); v != "sk-secret-two" {
		t.Fatalf("p2 lost: %q", v)
	}
	// Errors name the entry but never contain a value.
	_, err = s.Get("missing")
	if err == nil || strings.Contains(err.Error(), "sk-") {
		t.Fatalf("error = %v", err)
	}
}

func TestNoSessionBusFallsBackToFile(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("TRACETUNE_SECRETS", "")
	s := Open(Options{Dir: t.TempDir()})
	if s.Backend() != BackendFile {
		t.Fatalf("backend = %q, want file when no keyring is reachable", s.Backend())
	}
}

func TestKeyringBackend(t *testing.T) {
	keyring.MockInit() // an in-memory keyring provider standing in for the OS one
	s := &Store{backend: BackendKeyring}
	if err := s.Set("p1", "sk-k"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get("p1"); err != nil || v != "sk-k" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := s.Delete("p1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("p1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after delete = %v", err)
	}
}
