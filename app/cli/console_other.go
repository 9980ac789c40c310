//go:build !windows

package cli

// AttachConsole does nothing outside Windows: the process already writes
// to the terminal it was started from.
func AttachConsole() {}
