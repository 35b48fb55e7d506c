package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"dataplus/internal/ingest"
)

// BenchmarkStoreRecords measures committing records to the store, fsync
// included: one record per commit (a job whose files finish one at a
// time) and 32 per commit (files that finished during the previous
// commit). The record is a real one, from the "mixed" fixture.
func BenchmarkStoreRecords(b *testing.B) {
	in := pdfs(b, 4)[3] // "mixed": pages with text and images
	rec := newProc().File(context.Background(), ingest.Source{Path: in.Path})
	line, err := json.Marshal(rec)
	if err != nil {
		b.Fatal(err)
	}
	for _, per := range []int{1, 32} {
		b.Run(fmt.Sprintf("batch=%d", per), func(b *testing.B) {
			m, err := Open(Options{Dir: b.TempDir()}, newProc(), nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer m.Shutdown(context.Background())
			// A running job that no runner owns: only the benchmark writes.
			id := newID(time.Now())
			err = m.update(func(tx *bolt.Tx) error {
				return putNewJob(tx, Job{ID: id, State: StateRunning, Created: time.Now(), Total: 1 << 30}, []storedInput{{Path: in.Path}})
			})
			if err != nil {
				b.Fatal(err)
			}
			batch := make([]stored, per)
			next := 0
			b.SetBytes(int64(len(line) * per))
			for b.Loop() {
				for i := range batch {
					batch[i] = stored{index: next, line: line}
					next++
				}
				if err := m.store(id, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(next)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
