package labs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sirupsen/logrus"
)

// TestPrefix starts the prefix of every lab the tests build, so a sweep of
// TestPrefix removes what killed test runs left behind and nothing else.
const TestPrefix = "vt"

// RunDir returns the directory holding the run dirs of a lab's OVS instances
// (and anything else the lab keeps on disk).
func RunDir(prefix string) string {
	return filepath.Join(os.TempDir(), "vtep-"+prefix)
}

// Sweep removes what a lab with this prefix left behind, also when the
// process that built it was killed: every process running in one of the
// prefix's namespaces, the namespaces themselves (and the interfaces in
// them), and the lab's run directories. It touches nothing whose name does
// not start with prefix. It returns the names of the namespaces it removed.
func Sweep(ctx context.Context, prefix string) ([]string, error) {
	if err := ValidateName("lab prefix", prefix, 16); err != nil {
		return nil, err
	}
	names, err := ListNetns(prefix)
	if err != nil {
		return nil, err
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "vtep-"+prefix+"*"))
	return names, removeLab(ctx, names, dirs, prefix+"*-*")
}

// removeLab stops every process running in the namespaces and deletes
// them, then stops the daemons named in pidfiles under the run dirs (those
// left outside any namespace) and removes the dirs. It tries everything
// and returns every error. Last it removes the FRR directories the lab
// created, those matching frrPattern that hold the lab's marker.
func removeLab(ctx context.Context, namespaces, dirs []string, frrPattern string) error {
	var errs []error
	for _, ns := range namespaces {
		pids, err := NetnsPids(ns)
		if err != nil {
			errs = append(errs, err)
		}
		for _, pid := range pids {
			if pid == os.Getpid() {
				continue
			}
			if err := stopPid(ctx, pid); err != nil {
				errs = append(errs, fmt.Errorf("labs: namespace %q: stop process %d: %w", ns, pid, err))
			}
		}
		if err := DelNetns(ns); err != nil {
			errs = append(errs, err)
		}
		logrus.WithFields(logrus.Fields{"netns": ns, "processes": len(pids)}).Info("removed namespace")
	}
	for _, d := range dirs {
		pidfiles, _ := filepath.Glob(filepath.Join(d, "*", "*.pid"))
		for _, pf := range pidfiles {
			sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := stopPidfile(sctx, pf); err != nil {
				errs = append(errs, fmt.Errorf("labs: %s: %w", pf, err))
			}
			cancel()
		}
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("labs: remove %s: %w", d, err))
		}
	}
	errs = append(errs, removeFRRDirs(frrPattern)...)
	return errors.Join(errs...)
}
