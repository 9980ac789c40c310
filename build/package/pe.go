package main

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
)

// CheckWindowsExe checks that path is a 64-bit (PE32+) Windows GUI
// executable with an icon, whose version resource says version, both in
// the fixed file info (a.b.c.0) and in the ProductVersion string.
func CheckWindowsExe(path, version string) error {
	f, err := pe.Open(path)
	if err != nil {
		return fmt.Errorf("%s: not a PE file: %w", path, err)
	}
	defer f.Close()
	if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		return fmt.Errorf("%s: machine %#x, want amd64", path, f.Machine)
	}
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	if !ok {
		return fmt.Errorf("%s: not PE32+ (64-bit optional header)", path)
	}
	if oh.Subsystem != pe.IMAGE_SUBSYSTEM_WINDOWS_GUI {
		return fmt.Errorf("%s: subsystem %d, want the Windows GUI subsystem (%d)", path, oh.Subsystem, pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
	}
	vi, err := resource(f, rtVersion)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := resource(f, rtGroupIcon); err != nil {
		return fmt.Errorf("%s: no app icon: %w", path, err)
	}
	fixed, product, err := parseVersionInfo(vi)
	if err != nil {
		return fmt.Errorf("%s: version resource: %w", path, err)
	}
	if want := fixedVersion(version); fixed != want {
		return fmt.Errorf("%s: file version %s, want %s", path, fixed, want)
	}
	if product != version {
		return fmt.Errorf("%s: ProductVersion %q, want %q", path, product, version)
	}
	return nil
}

// fixedVersion turns "1.2.3" (or "1.2.3-rc1") into the four-part "1.2.3.0".
func fixedVersion(v string) string {
	v, _, _ = strings.Cut(v, "-")
	parts := strings.Split(v, ".")
	for len(parts) < 4 {
		parts = append(parts, "0")
	}
	return strings.Join(parts[:4], ".")
}

// Resource types.
const (
	rtGroupIcon = 14 // RT_GROUP_ICON
	rtVersion   = 16 // RT_VERSION
)

// resource returns the bytes of the first resource of type typ: .rsrc is a
// three-level directory (type, name, language) of entries.
func resource(f *pe.File, typ uint32) ([]byte, error) {
	sec := f.Section(".rsrc")
	if sec == nil {
		return nil, errors.New("no resource section (.rsrc)")
	}
	data, err := sec.Data()
	if err != nil {
		return nil, err
	}
	// entries of the directory at off: (id or name, offset; high bit = subdirectory)
	entries := func(off uint32) ([][2]uint32, error) {
		if int(off)+16 > len(data) {
			return nil, errors.New("resource directory out of bounds")
		}
		n := int(binary.LittleEndian.Uint16(data[off+12:])) + int(binary.LittleEndian.Uint16(data[off+14:]))
		var out [][2]uint32
		for i := 0; i < n; i++ {
			e := int(off) + 16 + 8*i
			if e+8 > len(data) {
				return nil, errors.New("resource entry out of bounds")
			}
			out = append(out, [2]uint32{binary.LittleEndian.Uint32(data[e:]), binary.LittleEndian.Uint32(data[e+4:])})
		}
		return out, nil
	}
	const subdir = 0x80000000
	types, err := entries(0)
	if err != nil {
		return nil, err
	}
	for _, t := range types {
		if t[0] != typ || t[1]&subdir == 0 {
			continue
		}
		off := t[1] &^ subdir
		// descend the name and language levels to the first leaf
		for level := 0; level < 2; level++ {
			es, err := entries(off)
			if err != nil {
				return nil, err
			}
			if len(es) == 0 {
				return nil, fmt.Errorf("empty resource directory (type %d)", typ)
			}
			off = es[0][1]
			if level == 0 {
				if off&subdir == 0 {
					return nil, fmt.Errorf("resource type %d without a language level", typ)
				}
				off &^= subdir
			}
		}
		if int(off)+16 > len(data) {
			return nil, errors.New("resource data entry out of bounds")
		}
		rva := binary.LittleEndian.Uint32(data[off:])
		size := binary.LittleEndian.Uint32(data[off+4:])
		start := int(rva) - int(sec.VirtualAddress)
		if start < 0 || start+int(size) > len(data) {
			return nil, fmt.Errorf("resource type %d: data out of bounds", typ)
		}
		return data[start : start+int(size)], nil
	}
	return nil, fmt.Errorf("no resource of type %d", typ)
}

// parseVersionInfo reads VS_VERSIONINFO: the fixed file version and the
// ProductVersion string of its StringFileInfo.
func parseVersionInfo(b []byte) (fixed, product string, err error) {
	key := utf16le("VS_VERSION_INFO\x00")
	if len(b) < 6+len(key) || !bytes.Equal(b[6:6+len(key)], key) {
		return "", "", errors.New("does not start with VS_VERSION_INFO")
	}
	off := align4(6 + len(key))
	if off+52 > len(b) || binary.LittleEndian.Uint32(b[off:]) != 0xFEEF04BD {
		return "", "", errors.New("no VS_FIXEDFILEINFO")
	}
	ms, ls := binary.LittleEndian.Uint32(b[off+8:]), binary.LittleEndian.Uint32(b[off+12:])
	fixed = fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
	// a String is wLength, wValueLength, wType, the key, padding, the value
	pk := utf16le("ProductVersion\x00")
	i := bytes.Index(b, pk)
	if i < 6 {
		return fixed, "", errors.New("no ProductVersion string")
	}
	v := align4(i + len(pk))
	var units []uint16
	for ; v+1 < len(b); v += 2 {
		u := binary.LittleEndian.Uint16(b[v:])
		if u == 0 {
			break
		}
		units = append(units, u)
	}
	return fixed, string(utf16.Decode(units)), nil
}

func align4(n int) int { return (n + 3) &^ 3 }

func utf16le(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}
