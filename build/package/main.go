// Command package makes Tracetune's release artifacts from built binaries,
// run by build/tracetune.sh:
//
//	go run ./build/package version               the release version
//	go run ./build/package linux BINARY OUTDIR   .tar.gz and .deb for linux/amd64
//	go run ./build/package check-exe FILE.exe    a PE32+ GUI exe with the version resource
//
// The version comes from wails.json's info.productVersion (Wails also writes
// it into the Windows version resource); a git tag on HEAD must agree.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the deb packager
	"github.com/goreleaser/nfpm/v2/files"
)

// IconSizes are the freedesktop hicolor sizes the packages carry.
var IconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

// Depends are the Debian runtime libraries of a webkit2gtk-4.1 Wails build.
var Depends = []string{"libgtk-3-0", "libwebkit2gtk-4.1-0"}

const desktopEntry = `[Desktop Entry]
Type=Application
Name=Tracetune
GenericName=Fine-tuning dataset workbench
Comment=Turn LLM traces into a reinforcement fine-tuned model
Exec=tracetune
Icon=tracetune
Terminal=false
Categories=Development;
Keywords=LLM;fine-tuning;dataset;traces;
StartupWMClass=tracetune
`

const installNote = `Tracetune %s for Linux (amd64)

Needs GTK 3 and WebKitGTK 4.1 (Debian 12 / Ubuntu 24.04:
  sudo apt install libgtk-3-0 libwebkit2gtk-4.1-0).

Install for your user (no root):
  mkdir -p ~/.local/bin ~/.local/share/applications ~/.local/share/icons
  cp tracetune ~/.local/bin/
  cp tracetune.desktop ~/.local/share/applications/
  cp -r icons/hicolor ~/.local/share/icons/
Then start Tracetune from the applications menu, or run ~/.local/bin/tracetune.
Data lives in ~/.local/share/tracetune (Help → Open data folder).

On Debian or Ubuntu the .deb does the same system-wide:
  sudo apt install ./tracetune_%s_amd64.deb
`

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "package:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return errors.New("usage: package version | linux BINARY OUTDIR | check-exe FILE.exe")
	}
	v, err := ReleaseVersion(root)
	if err != nil {
		return err
	}
	switch {
	case args[0] == "version" && len(args) == 1:
		fmt.Println(v)
		return nil
	case args[0] == "linux" && len(args) == 3:
		icon, err := os.ReadFile(filepath.Join(root, "build", "appicon.png"))
		if err != nil {
			return err
		}
		out, err := Linux(v, args[1], icon, args[2])
		for _, f := range out {
			fmt.Println(f)
		}
		return err
	case args[0] == "check-exe" && len(args) == 2:
		return CheckWindowsExe(args[1], v)
	}
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// repoRoot is the checkout's top folder (the one holding wails.json).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "wails.json")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no wails.json in this folder or above: run from the Tracetune checkout")
		}
		dir = parent
	}
}

// ReleaseVersion reads info.productVersion from wails.json. When HEAD
// carries a tag vX.Y.Z, it must name the same version, so the file names,
// --version and the Windows resource never disagree.
func ReleaseVersion(root string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "wails.json"))
	if err != nil {
		return "", err
	}
	var cfg struct {
		Info struct {
			ProductVersion string `json:"productVersion"`
		} `json:"info"`
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("wails.json: %w", err)
	}
	v := cfg.Info.ProductVersion
	if v == "" {
		return "", errors.New("wails.json has no info.productVersion")
	}
	cmd := exec.Command("git", "tag", "--points-at", "HEAD")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		for _, tag := range strings.Fields(string(out)) {
			if strings.HasPrefix(tag, "v") && strings.TrimPrefix(tag, "v") != v {
				return "", fmt.Errorf("HEAD is tagged %s but wails.json's info.productVersion is %s: make them agree", tag, v)
			}
		}
	}
	return v, nil
}

// Linux writes tracetune-VERSION-linux-amd64.tar.gz and
// tracetune_VERSION_amd64.deb into outDir and returns their paths.
func Linux(version, binary string, icon []byte, outDir string) ([]string, error) {
	src, _, err := image.Decode(bytes.NewReader(icon))
	if err != nil {
		return nil, fmt.Errorf("app icon: %w", err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	// the files both packages hold, by their path in the tarball
	stage, err := os.MkdirTemp("", "tracetune-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(stage)
	type item struct {
		rel, deb string
		mode     os.FileMode
	}
	items := []item{
		{"tracetune", "/usr/bin/tracetune", 0o755},
		{"tracetune.desktop", "/usr/share/applications/tracetune.desktop", 0o644},
		{"INSTALL", "", 0o644},
	}
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("the Linux binary: %w", err)
	}
	write := func(rel string, b []byte, mode os.FileMode) error {
		p := filepath.Join(stage, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, b, mode)
	}
	if err := write("tracetune", bin, 0o755); err != nil {
		return nil, err
	}
	if err := write("tracetune.desktop", []byte(desktopEntry), 0o644); err != nil {
		return nil, err
	}
	if err := write("INSTALL", []byte(fmt.Sprintf(installNote, version, version)), 0o644); err != nil {
		return nil, err
	}
	for _, n := range IconSizes {
		var buf bytes.Buffer
		if err := png.Encode(&buf, Resize(src, n)); err != nil {
			return nil, err
		}
		dir := fmt.Sprintf("icons/hicolor/%dx%d/apps", n, n)
		if err := write(dir+"/tracetune.png", buf.Bytes(), 0o644); err != nil {
			return nil, err
		}
		items = append(items, item{dir + "/tracetune.png", "/usr/share/" + dir + "/tracetune.png", 0o644})
	}

	tgz := filepath.Join(outDir, fmt.Sprintf("tracetune-%s-linux-amd64.tar.gz", version))
	top := fmt.Sprintf("tracetune-%s-linux-amd64", version)
	var rels []string
	for _, it := range items {
		rels = append(rels, it.rel)
	}
	if err := writeTarGz(tgz, stage, top, rels); err != nil {
		return nil, fmt.Errorf("tarball: %w", err)
	}

	info := nfpm.WithDefaults(&nfpm.Info{
		Name:        "tracetune",
		Arch:        "amd64",
		Platform:    "linux",
		Version:     version,
		Section:     "devel",
		Priority:    "optional",
		Maintainer:  "Tracetune <tracetune@users.noreply.github.com>",
		Description: "Turns LLM traces into a reinforcement fine-tuned model\nA desktop workbench: import traces, curate and grade them, train and deploy.",
		Vendor:      "Tracetune",
		License:     "Proprietary",
		Overridables: nfpm.Overridables{
			Depends: Depends,
		},
	})
	for _, it := range items {
		if it.deb == "" {
			continue
		}
		info.Contents = append(info.Contents, &files.Content{
			Source: filepath.Join(stage, it.rel), Destination: it.deb,
			FileInfo: &files.ContentFileInfo{Mode: it.mode},
		})
	}
	pkg, err := nfpm.Get("deb")
	if err != nil {
		return nil, err
	}
	deb := filepath.Join(outDir, fmt.Sprintf("tracetune_%s_amd64.deb", version))
	f, err := os.Create(deb)
	if err != nil {
		return nil, err
	}
	if err := pkg.Package(info, f); err != nil {
		f.Close()
		return nil, fmt.Errorf("deb: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return []string{tgz, deb}, nil
}

func writeTarGz(path, stage, top string, rels []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	gz := gzip.NewWriter(f)
	tw := tar.NewWriter(gz)
	dirs := map[string]bool{}
	addDir := func(d string) error {
		if dirs[d] {
			return nil
		}
		dirs[d] = true
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: time.Now(), Uname: "root", Gname: "root"})
	}
	for _, rel := range rels {
		// parent folders first, so every tar tool makes them
		parts := strings.Split(filepath.ToSlash(filepath.Join(top, rel)), "/")
		for i := 1; i < len(parts); i++ {
			if err := addDir(strings.Join(parts[:i], "/")); err != nil {
				return err
			}
		}
		fi, err := os.Stat(filepath.Join(stage, rel))
		if err != nil {
			return err
		}
		hdr, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		hdr.Name = top + "/" + filepath.ToSlash(rel)
		hdr.Uname, hdr.Gname, hdr.Uid, hdr.Gid = "root", "root", 0, 0
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		src, err := os.Open(filepath.Join(stage, rel))
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, src)
		src.Close()
		if err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}

// Resize scales src to an n×n icon by averaging the source pixels under
// each target pixel (alpha-weighted, so transparent edges do not darken).
func Resize(src image.Image, n int) *image.NRGBA {
	b := src.Bounds()
	dst := image.NewNRGBA(image.Rect(0, 0, n, n))
	sw, sh := float64(b.Dx()), float64(b.Dy())
	for y := 0; y < n; y++ {
		y0, y1 := int(float64(y)*sh/float64(n)), int(float64(y+1)*sh/float64(n))
		y1 = max(y1, y0+1)
		for x := 0; x < n; x++ {
			x0, x1 := int(float64(x)*sw/float64(n)), int(float64(x+1)*sw/float64(n))
			x1 = max(x1, x0+1)
			var r, g, bl, a, cnt float64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					c := color.NRGBAModel.Convert(src.At(b.Min.X+sx, b.Min.Y+sy)).(color.NRGBA)
					al := float64(c.A)
					r += float64(c.R) * al
					g += float64(c.G) * al
					bl += float64(c.B) * al
					a += al
					cnt++
				}
			}
			if a == 0 {
				continue
			}
			dst.SetNRGBA(x, y, color.NRGBA{uint8(r/a + 0.5), uint8(g/a + 0.5), uint8(bl/a + 0.5), uint8(a/cnt + 0.5)})
		}
	}
	return dst
}
