package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"tracetune/backend/secrets"
	"tracetune/backend/store"
)

// Probe is a connection test's answer: whether the source answered with
// its keys, how many traces it reports, and a sentence for the user.
type Probe struct {
	Source  string `json:"source"`
	OK      bool   `json:"ok"`
	Traces  int    `json:"traces"` // traces the source reports; -1 unknown
	Message string `json:"message"`
}

// probeTimeout bounds a connection test: it should answer quickly.
const probeTimeout = 30 * time.Second

// Check asks a source for one trace. A refused key or an unreachable server
// is a Probe with OK false and the reason in plain words, not an error.
func Check(ctx context.Context, src Source, address string) Probe {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	p := Probe{Source: SourceLabel(src), Traces: -1}
	page, err := src.List(ctx, Filter{}, "", 1)
	if err != nil {
		p.Message = PlainError(address, err)
		return p
	}
	p.OK, p.Traces = true, page.Total
	p.Message = fmt.Sprintf("%s answers: %d traces available", p.Source, page.Total)
	return p
}

// TestSaved checks a configured source by name.
func TestSaved(ctx context.Context, st *store.Store, sec *secrets.Store, name string) (Probe, error) {
	src, row, err := Load(ctx, st, sec, name)
	if err != nil {
		return Probe{}, err
	}
	return Check(ctx, src, row.URL), nil
}

// SaveTested checks a source before storing it (keys left empty come from
// the keyring, as Save does) and stores it only when it answers: a source
// that cannot be reached or refuses its keys is not kept.
func SaveTested(ctx context.Context, st *store.Store, sec *secrets.Store, c Config, replace bool) (Saved, Probe, error) {
	full := c
	if err := fillKeys(sec, &full); err != nil {
		return Saved{}, Probe{}, err
	}
	src, err := Open(full)
	if err != nil {
		return Saved{}, Probe{}, err
	}
	p := Check(ctx, src, c.URL)
	if !p.OK {
		return Saved{}, p, nil
	}
	v, err := Save(ctx, st, sec, c, replace)
	return v, p, err
}

// PlainError turns a failed request to address (a source's URL or path)
// into a sentence a user can act on: which address could not be reached
// and why, instead of a raw dial error.
func PlainError(address string, err error) string {
	var auth *AuthError
	var dns *net.DNSError
	var op *net.OpError
	where := address
	if u, perr := url.Parse(address); perr == nil && u.Host != "" {
		where = u.Scheme + "://" + u.Host
	}
	switch {
	case errors.As(err, &auth):
		return auth.Error()
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return fmt.Sprintf("%s did not answer within %s: check the URL and that the gateway is running", where, probeTimeout)
	case errors.As(err, &dns):
		return fmt.Sprintf("cannot find the host %q: check the URL", dns.Name)
	case errors.As(err, &op) && op.Op == "dial":
		return fmt.Sprintf("cannot connect to %s (connection refused): is the gateway running at that address?", where)
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("%s: the file or folder does not exist", where)
	}
	return err.Error()
}
