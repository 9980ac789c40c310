// Command fakes serves Tracetune's fake remote services on one port for the
// e2e suite and manual testing, each under /<name>/, and prints one
// "<name> <base URL>" line per fake, then "ready".
//
//	go run ./backend/testutil/cmd/fakes -port 18080 [-json-out fakes.json]   (or TRACETUNE_FAKES_PORT)
//
// To add a fake, add a file with an init that calls register (see openai.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// fake is one registered service.
type fake struct {
	name    string              // mount point: /<name>/
	suffix  string              // appended to the mount point in the printed URL (e.g. "/v1")
	handler func() http.Handler // receives paths with /<name> stripped
}

var registry = map[string]fake{}

// register adds a fake; names must be unique.
func register(name, suffix string, handler func() http.Handler) {
	if _, dup := registry[name]; dup {
		panic("fakes: " + name + " registered twice")
	}
	registry[name] = fake{name, suffix, handler}
}

func main() {
	port := 0
	if v := os.Getenv("TRACETUNE_FAKES_PORT"); v != "" {
		port, _ = strconv.Atoi(v)
	}
	host := flag.String("host", "127.0.0.1", "address to listen on")
	flag.IntVar(&port, "port", port, "port to listen on (0 = any free port; env TRACETUNE_FAKES_PORT)")
	jsonOut := flag.String("json-out", "", "also write {\"<name>\": \"<base URL>\"} to this file once listening (for the e2e harness)")
	flag.Parse()

	ln, err := net.Listen("tcp", net.JoinHostPort(*host, strconv.Itoa(port)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakes:", err)
		os.Exit(1)
	}
	base := "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	urls := map[string]string{}
	for _, n := range names {
		f := registry[n]
		mux.Handle("/"+n+"/", http.StripPrefix("/"+n, f.handler()))
		urls[n] = base + "/" + n + f.suffix
		fmt.Printf("%s %s\n", n, urls[n])
	}
	if *jsonOut != "" {
		b, _ := json.Marshal(urls)
		// Write then rename so a reader polling for the file never sees it half written.
		if err := os.WriteFile(*jsonOut+".tmp", b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "fakes:", err)
			os.Exit(1)
		}
		if err := os.Rename(*jsonOut+".tmp", *jsonOut); err != nil {
			fmt.Fprintln(os.Stderr, "fakes:", err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")

	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "fakes:", err)
		os.Exit(1)
	}
}
