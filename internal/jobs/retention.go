package jobs

import (
	"errors"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// sweepInterval is how often the janitor looks for expired jobs: a
// quarter of the retention, between 10ms and 10 minutes.
func sweepInterval(retention time.Duration) time.Duration {
	return min(max(retention/4, 10*time.Millisecond), 10*time.Minute)
}

// janitor runs the retention sweep until Shutdown.
func (m *Manager) janitor() {
	t := time.NewTicker(sweepInterval(m.opt.Retention))
	defer t.Stop()
	for {
		select {
		case <-m.quit:
			return
		case now := <-t.C:
			m.sweep(now)
		}
	}
}

// sweep deletes the jobs that finished more than Retention before now,
// with their uploads, and the spooled uploads no job owns.
func (m *Manager) sweep(now time.Time) {
	m.expire(now)
	m.sweepOrphans(now)
}

// expireBatch bounds the jobs deleted in one transaction.
const expireBatch = 16

func (m *Manager) expire(now time.Time) {
	cutoff := now.Add(-m.opt.Retention)
	expired := func(jr jobRecord) bool { return jr.State.Final() && jr.Finished.Before(cutoff) }
	var ids []string
	err := m.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			if jr, err := decodeJob(k, v); err == nil && expired(jr) {
				ids = append(ids, string(k))
			}
			return nil
		})
	})
	if err != nil {
		if !errors.Is(err, ErrClosed) {
			m.log.Error("retention sweep could not read the store", "err", err)
		}
		return
	}
	for len(ids) > 0 {
		n := min(len(ids), expireBatch)
		var gone []Job
		var files []string
		m.states.Lock()
		err := m.update(func(tx *bolt.Tx) error {
			gone, files = gone[:0], files[:0] // the function may not run twice, but stay correct if it did
			for _, id := range ids[:n] {
				jr, err := getJob(tx, id)
				if err != nil || !expired(jr) {
					continue // gone or changed since the scan
				}
				f, err := deleteJob(tx, id, m.uploads)
				if err != nil {
					return err
				}
				gone, files = append(gone, jr.Job), append(files, f...)
			}
			return nil
		})
		if err == nil {
			for _, j := range gone {
				m.moved(j.State, "", j)
			}
		}
		m.states.Unlock()
		ids = ids[n:]
		if err != nil {
			if !errors.Is(err, ErrClosed) {
				m.log.Error("expired jobs not deleted", "err", err)
			}
			return
		}
		for _, f := range files {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				m.log.Warn("upload of an expired job not removed; the orphan sweep retries", "doc", f, "err", err)
			}
		}
		for _, j := range gone {
			m.log.Info("job expired", "job", j.ID, "state", j.State, "finished", j.Finished)
		}
	}
}

// sweepOrphans removes spooled uploads that no job owns: those of a
// request that failed after spooling, or whose job was deleted just before
// a crash. Uploads being spooled or waiting for Submit in this process are
// kept for Retention.
func (m *Manager) sweepOrphans(now time.Time) {
	// Order matters: list the files, then read the uploads in flight, then
	// the store. A file in the listing was registered before it was
	// created, and Submit commits its ownership before unregistering it.
	entries, err := os.ReadDir(m.uploads)
	if err != nil || len(entries) == 0 {
		return
	}
	live := map[string]bool{}
	m.mu.Lock()
	for file, since := range m.spooling {
		if now.Sub(since) > m.opt.Retention {
			delete(m.spooling, file) // never submitted nor discarded
			continue
		}
		live[file] = true
	}
	m.mu.Unlock()
	var orphans []string
	err = m.view(func(tx *bolt.Tx) error {
		owners := tx.Bucket(bucketUploads)
		for _, e := range entries {
			if !e.Type().IsRegular() || live[e.Name()] || owners.Get([]byte(e.Name())) != nil {
				continue
			}
			orphans = append(orphans, e.Name())
		}
		return nil
	})
	if err != nil {
		return
	}
	for _, file := range orphans {
		path := filepath.Join(m.uploads, file)
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			m.log.Warn("orphan upload not removed", "doc", path, "err", err)
			continue
		}
		m.log.Info("orphan upload removed", "doc", path)
	}
}
