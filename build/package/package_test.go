package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testIcon is the real app icon the release packages.
func testIcon(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../appicon.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLinuxPackagesHoldTheBinaryDesktopEntryIconsAndDependencies(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "tracetune")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho tracetune 9.8.7\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := Linux("9.8.7", bin, testIcon(t), filepath.Join(dir, "dist"))
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"tracetune-9.8.7-linux-amd64.tar.gz", "tracetune_9.8.7_amd64.deb"}
	for i, want := range wantNames {
		if filepath.Base(out[i]) != want {
			t.Fatalf("artifact %d is %s, want %s", i, filepath.Base(out[i]), want)
		}
	}

	t.Run("the tarball has the binary (executable), desktop entry, install note and every icon size", func(t *testing.T) {
		entries := readTarGz(t, out[0])
		top := "tracetune-9.8.7-linux-amd64/"
		want := []string{"tracetune", "tracetune.desktop", "INSTALL"}
		for _, n := range IconSizes {
			want = append(want, fmt.Sprintf("icons/hicolor/%dx%d/apps/tracetune.png", n, n))
		}
		for _, w := range want {
			e, ok := entries[top+w]
			if !ok {
				t.Fatalf("tarball lacks %s%s", top, w)
			}
			if w == "tracetune" && e.mode&0o111 == 0 {
				t.Errorf("the binary's mode is %o, not executable", e.mode)
			}
		}
		if !strings.Contains(string(entries[top+"INSTALL"].body), "tracetune_9.8.7_amd64.deb") {
			t.Errorf("INSTALL does not name the .deb:\n%s", entries[top+"INSTALL"].body)
		}
		desktop := string(entries[top+"tracetune.desktop"].body)
		for _, line := range []string{"[Desktop Entry]", "Type=Application", "Exec=tracetune", "Icon=tracetune", "Terminal=false"} {
			if !strings.Contains(desktop, line+"\n") {
				t.Errorf("desktop entry lacks %q", line)
			}
		}
		for _, n := range IconSizes {
			img, err := png.Decode(bytes.NewReader(entries[fmt.Sprintf("%sicons/hicolor/%dx%d/apps/tracetune.png", top, n, n)].body))
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != n || b.Dy() != n {
				t.Errorf("icon %d is %dx%d", n, b.Dx(), b.Dy())
			}
		}
	})

	t.Run("the deb declares its libraries and installs under /usr", func(t *testing.T) {
		control, data := readDeb(t, out[1])
		fields := map[string]string{}
		for _, line := range strings.Split(control, "\n") {
			if k, v, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, " ") {
				fields[k] = v
			}
		}
		if fields["Package"] != "tracetune" || fields["Version"] != "9.8.7" || fields["Architecture"] != "amd64" {
			t.Errorf("control fields: %v", fields)
		}
		for _, lib := range Depends {
			if !strings.Contains(", "+fields["Depends"]+",", ", "+lib+",") {
				t.Errorf("Depends %q lacks %s", fields["Depends"], lib)
			}
		}
		for _, p := range []string{"./usr/bin/tracetune", "./usr/share/applications/tracetune.desktop", "./usr/share/icons/hicolor/256x256/apps/tracetune.png"} {
			e, ok := data[p]
			if !ok {
				t.Fatalf("deb lacks %s", p)
			}
			if p == "./usr/bin/tracetune" && e.mode&0o111 == 0 {
				t.Errorf("the installed binary's mode is %o", e.mode)
			}
		}
	})
}

func TestResizedIconsKeepTransparentCornersAndOpaqueMiddles(t *testing.T) {
	src, err := png.Decode(bytes.NewReader(testIcon(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{16, 22, 48, 512} {
		img := Resize(src, n)
		if a := img.NRGBAAt(0, 0).A; a != 0 {
			t.Errorf("%d px: corner alpha %d, want transparent", n, a)
		}
		if a := img.NRGBAAt(n/2, n/2).A; a != 255 {
			t.Errorf("%d px: centre alpha %d, want opaque", n, a)
		}
	}
}

func TestVersionsFollowWailsJSON(t *testing.T) {
	v, err := ReleaseVersion("../..")
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(strings.SplitN(v, "-", 2)[0], "."); len(parts) != 3 {
		t.Errorf("version %q is not major.minor.patch", v)
	}
	for in, want := range map[string]string{"1.2.3": "1.2.3.0", "0.1.0-rc1": "0.1.0.0", "2.0": "2.0.0.0"} {
		if got := fixedVersion(in); got != want {
			t.Errorf("fixedVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAFileThatIsNotAWindowsExecutableIsRejected(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.exe")
	if err := os.WriteFile(p, []byte("MZ but not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckWindowsExe(p, "0.1.0"); err == nil {
		t.Fatal("a truncated file passed the PE check")
	}
	self, err := os.Executable() // the test binary: ELF on Linux, console PE on Windows
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckWindowsExe(self, "0.1.0"); err == nil {
		t.Fatal("the test binary passed as the release GUI executable")
	}
}

// TestWindowsRelease checks the artifact `bash build/tracetune.sh release`
// cross-builds: a PE32+ GUI executable whose version resource carries the
// release version. Without that artifact (the test command builds Linux
// only) there is nothing to check.
// The Windows check reads real PE files: a Go-built amd64 executable passes
// the header checks when it is a GUI one and fails on the subsystem when it
// is a console one, and without resources (no version, no icon) it is
// refused. The release artifact itself (with Wails' icon and version
// resource) is checked by `build/tracetune.sh release`, which runs
// check-exe on it right after the cross-build.
func TestWindowsExecutableChecksReadThePEHeaders(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	if err := os.WriteFile(src, []byte("package main\n\nfunc main() {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	build := func(name string, ldflags string) string {
		t.Helper()
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, "-ldflags", ldflags, src)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for windows: %v\n%s", err, b)
		}
		return out
	}
	gui := build("gui.exe", "-H=windowsgui")
	if err := CheckWindowsExe(gui, "0.1.0"); err == nil || !strings.Contains(err.Error(), "no resource section") {
		t.Errorf("a GUI executable without a version resource: %v", err)
	}
	console := build("console.exe", "")
	if err := CheckWindowsExe(console, "0.1.0"); err == nil || !strings.Contains(err.Error(), "subsystem") {
		t.Errorf("a console executable: %v", err)
	}
}

type entry struct {
	mode int64
	body []byte
}

func readTar(t *testing.T, r io.Reader) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name] = entry{h.Mode, b}
	}
}

func readTarGz(t *testing.T, path string) map[string]entry {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return readTar(t, gz)
}

// readDeb reads a .deb (an ar archive of debian-binary, control.tar.gz and
// data.tar.gz) and returns the control file and the data entries.
func readDeb(t *testing.T, path string) (string, map[string]entry) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	var control string
	var data map[string]entry
	for off := 8; off+60 <= len(b); {
		name := strings.TrimRight(strings.TrimSpace(string(b[off:off+16])), "/")
		size, err := strconv.Atoi(strings.TrimSpace(string(b[off+48 : off+58])))
		if err != nil {
			t.Fatal(err)
		}
		body := b[off+60 : off+60+size]
		off += 60 + size + size%2
		if !strings.HasSuffix(name, ".tar.gz") {
			continue
		}
		gz, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		entries := readTar(t, gz)
		switch name {
		case "control.tar.gz":
			control = string(entries["./control"].body)
		case "data.tar.gz":
			data = entries
		}
	}
	if control == "" || data == nil {
		t.Fatal("deb lacks control.tar.gz or data.tar.gz")
	}
	return control, data
}
