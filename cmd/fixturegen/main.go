// Command fixturegen writes the testpdf fixture corpus to a directory:
// one NAME.pdf per fixture plus want.json (fixture name -> expected result).
//
//	go run ./cmd/fixturegen -o DIR            every fixture
//	go run ./cmd/fixturegen -o DIR -samples   only well-formed files that open
//	                                          without error (for a demo run)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"dataplus/internal/testpdf"
)

func main() {
	out := flag.String("o", "", "output directory (created if missing)")
	samples := flag.Bool("samples", false, "write only the well-formed fixtures that open without error")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: fixturegen -o DIR [-samples]")
		os.Exit(2)
	}
	fixtures := testpdf.All()
	if *samples {
		fixtures = testpdf.Samples()
	}
	if err := write(*out, fixtures); err != nil {
		fmt.Fprintln(os.Stderr, "fixturegen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d fixtures to %s\n", len(fixtures), *out)
}

// write stores every fixture as DIR/NAME.pdf and their Wants as
// DIR/want.json. json.Marshal sorts map keys, so want.json is reproducible.
func write(dir string, fixtures []testpdf.Fixture) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	wants := make(map[string]testpdf.Want, len(fixtures))
	for _, f := range fixtures {
		if err := os.WriteFile(filepath.Join(dir, f.Name+".pdf"), f.Data, 0o644); err != nil {
			return err
		}
		wants[f.Name] = f.Want
	}
	js, err := json.MarshalIndent(wants, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "want.json"), append(js, '\n'), 0o644)
}
