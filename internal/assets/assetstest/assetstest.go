// Package assetstest gives tests the installed assets (`dataplus setup`):
// a test that needs them skips when they are missing, unless
// DATAPLUS_REQUIRE_MODELS=1 (make test sets it after make setup), where it
// fails, so CI cannot pass by skipping.
package assetstest

import (
	"os"
	"testing"

	"dataplus/internal/assets"
)

// EnvRequire names the variable that turns a skip into a failure.
const EnvRequire = "DATAPLUS_REQUIRE_MODELS"

// Dir returns the assets directory when every bundled file is there with
// the right hash.
func Dir(t testing.TB) string {
	t.Helper()
	dir, _ := assets.Dir("")
	st, err := assets.Check(dir)
	if err == nil {
		err = st.Err()
	}
	if err != nil {
		Missing(t, err)
	}
	return dir
}

// Missing skips (or, with DATAPLUS_REQUIRE_MODELS=1, fails) t because of
// err, a missing asset or tool.
func Missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("required (%s=1): %v", EnvRequire, err)
	}
	t.Skipf("run make setup: %v", err)
}
