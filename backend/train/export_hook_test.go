package train

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// FailExportFile makes an export's file of that name fail to be created
// (a full disk, a permission) until the test ends.
func FailExportFile(t testing.TB, name string) {
	prev := exportCreate
	exportCreate = func(path string) (io.WriteCloser, error) {
		if strings.HasSuffix(filepath.ToSlash(path), "/"+name) {
			return nil, errors.New("no space left on device")
		}
		return prev(path)
	}
	t.Cleanup(func() { exportCreate = prev })
}
