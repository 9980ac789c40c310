//go:build windows

package cli

import (
	"os"
	"syscall"
)

// AttachConsole connects a GUI-subsystem executable, which Windows starts
// without a console, to the console of the shell that started it, so that
// `tracetune.exe datasets --json` prints in cmd or PowerShell. Streams the
// shell redirected (to a file or a pipe) are kept as they are.
func AttachConsole() {
	kernel32 := syscall.NewLazyDLL("kernel32.dll")
	attach := kernel32.NewProc("AttachConsole")
	const attachParentProcess = ^uintptr(0) // ATTACH_PARENT_PROCESS, (DWORD)-1
	if r, _, _ := attach.Call(attachParentProcess); r == 0 {
		return // started from Explorer: there is no console to print to
	}
	reopen := func(std int, f **os.File) {
		if h, err := syscall.GetStdHandle(std); err == nil && h != 0 && h != syscall.InvalidHandle {
			if _, err := syscall.GetFileType(h); err == nil {
				return // redirected by the shell: keep it
			}
		}
		con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
		if err != nil {
			return
		}
		*f = con
	}
	reopen(syscall.STD_OUTPUT_HANDLE, &os.Stdout)
	reopen(syscall.STD_ERROR_HANDLE, &os.Stderr)
}
