package jobs

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// On-disk layout, in Dir:
//
//	jobs.db            bbolt, fsync on every commit (the default)
//	  meta             "schema" -> "1"
//	  jobs             <job id> -> JSON jobRecord (Job plus resume bookkeeping)
//	  inputs/<job id>  <index, 10 digits> -> JSON storedInput
//	  records/<job id> <index, 10 digits> -> the record's JSON (json.Marshal(record.Record))
//	  uploads          <spool file name> -> <job id> owning it
//	uploads/<name>     spooled upload bodies
//
// Job ids start with the creation time in hex, so byte order is creation
// order; index keys are zero-padded decimals, so byte order is input order.
const (
	dbFile      = "jobs.db"
	uploadsDir  = "uploads"
	schema      = "1"
	indexDigits = 10
)

var (
	bucketMeta    = []byte("meta")
	bucketJobs    = []byte("jobs")
	bucketInputs  = []byte("inputs")
	bucketRecords = []byte("records")
	bucketUploads = []byte("uploads")
)

// jobRecord is what the jobs bucket stores.
type jobRecord struct {
	Job
	Resume resumeState `json:"resume,omitzero"`
}

// resumeState tells a restart after a crash from one after Shutdown, and
// counts crash restarts that made no progress (a file that kills the
// process must not crash-loop the server forever).
type resumeState struct {
	Interrupted bool `json:"interrupted,omitempty"` // stopped by Shutdown, not a crash
	Crashes     int  `json:"crashes,omitempty"`     // crash restarts in a row with no record stored between them
	LastDone    int  `json:"last_done,omitempty"`   // Done at the last crash restart
}

// storedInput is an Input as stored: a spooled upload is kept by its
// file name in Dir/uploads, so a store that moves (a volume mounted
// elsewhere) still finds it.
type storedInput struct {
	Name   string `json:"name,omitempty"`
	Path   string `json:"path,omitempty"`
	Upload string `json:"upload,omitempty"` // file name in Dir/uploads
}

// input resolves a stored input against the uploads directory.
func (s storedInput) input(uploads string) Input {
	if s.Upload != "" {
		return Input{Name: s.Name, Path: filepath.Join(uploads, s.Upload)}
	}
	return Input{Name: s.Name, Path: s.Path}
}

// errNotRunning tells a runner that its job was cancelled (or deleted)
// under it: stop, store nothing more.
var errNotRunning = errors.New("job is no longer running")

func (m *Manager) view(fn func(*bolt.Tx) error) error   { return storeErr(m.db.View(fn)) }
func (m *Manager) update(fn func(*bolt.Tx) error) error { return storeErr(m.db.Update(fn)) }

// storeErr turns "the database is closed" into ErrClosed.
func storeErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func initBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketJobs, bucketInputs, bucketRecords, bucketUploads} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	switch v := meta.Get([]byte("schema")); {
	case v == nil:
		return meta.Put([]byte("schema"), []byte(schema))
	case string(v) != schema:
		return fmt.Errorf("store schema %q, this build reads %q", v, schema)
	}
	return nil
}

func getJob(tx *bolt.Tx, id string) (jobRecord, error) {
	v := tx.Bucket(bucketJobs).Get([]byte(id))
	if v == nil {
		return jobRecord{}, ErrNotFound
	}
	return decodeJob([]byte(id), v)
}

func decodeJob(k, v []byte) (jobRecord, error) {
	var jr jobRecord
	if err := json.Unmarshal(v, &jr); err != nil {
		return jobRecord{}, fmt.Errorf("decode job %s: %w", k, err)
	}
	return jr, nil
}

func putJob(tx *bolt.Tx, jr jobRecord) error {
	v, err := json.Marshal(jr)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", jr.ID, err)
	}
	return tx.Bucket(bucketJobs).Put([]byte(jr.ID), v)
}

// putNewJob stores a job, its inputs and the ownership of its spooled
// uploads in one transaction.
func putNewJob(tx *bolt.Tx, job Job, inputs []storedInput) error {
	if tx.Bucket(bucketJobs).Get([]byte(job.ID)) != nil {
		return fmt.Errorf("job id %s already exists", job.ID)
	}
	ups := tx.Bucket(bucketUploads)
	for _, in := range inputs {
		if in.Upload == "" {
			continue
		}
		if owner := ups.Get([]byte(in.Upload)); owner != nil {
			return fmt.Errorf("upload %s already belongs to job %s", in.Name, owner)
		}
		if err := ups.Put([]byte(in.Upload), []byte(job.ID)); err != nil {
			return err
		}
	}
	b, err := tx.Bucket(bucketInputs).CreateBucket([]byte(job.ID))
	if err != nil {
		return fmt.Errorf("inputs of %s: %w", job.ID, err)
	}
	b.FillPercent = 1 // appended in key order: pack the pages
	for i, in := range inputs {
		v, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode input %d: %w", i, err)
		}
		if err := b.Put(indexKey(i), v); err != nil {
			return fmt.Errorf("input %d: %w", i, err)
		}
	}
	return putJob(tx, jobRecord{Job: job})
}

func inputsOf(tx *bolt.Tx, id string) *bolt.Bucket {
	return tx.Bucket(bucketInputs).Bucket([]byte(id))
}

func recordsOf(tx *bolt.Tx, id string) *bolt.Bucket {
	return tx.Bucket(bucketRecords).Bucket([]byte(id))
}

// stored is one finished file on its way to the store.
type stored struct {
	index int
	doc   string // the record's path, for logs
	line  []byte // json.Marshal(record.Record)
	err   bool   // the record has an error kind
}

// putRecords stores a batch of records of a running job and bumps its
// counters in the same transaction. A record already stored (a file that
// ran again after a crash) is not stored or counted twice. It returns
// errNotRunning, storing nothing, when the job is no longer running.
func putRecords(tx *bolt.Tx, id string, batch []stored) (jobRecord, int, error) {
	jr, err := getJob(tx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return jr, 0, errNotRunning
		}
		return jr, 0, err
	}
	if jr.State != StateRunning {
		return jr, 0, errNotRunning
	}
	b, err := tx.Bucket(bucketRecords).CreateBucketIfNotExists([]byte(id))
	if err != nil {
		return jr, 0, err
	}
	added := 0
	for _, s := range batch {
		k := indexKey(s.index)
		if b.Get(k) != nil {
			continue
		}
		if err := b.Put(k, s.line); err != nil {
			return jr, 0, fmt.Errorf("record %d: %w", s.index, err)
		}
		added++
		jr.Done++
		if s.err {
			jr.Errors++
		}
	}
	if added == 0 {
		return jr, 0, nil
	}
	return jr, added, putJob(tx, jr)
}

// deleteJob removes a job, its inputs, records and upload ownership, and
// returns the spooled files it owned (the caller removes them after the
// commit).
func deleteJob(tx *bolt.Tx, id string, uploadsDir string) ([]string, error) {
	var files []string
	if in := inputsOf(tx, id); in != nil {
		ups := tx.Bucket(bucketUploads) // another bucket: safe to change while in is iterated
		err := in.ForEach(func(_, v []byte) error {
			var in storedInput
			if json.Unmarshal(v, &in) != nil || in.Upload == "" || string(ups.Get([]byte(in.Upload))) != id {
				return nil // not an upload of this job
			}
			files = append(files, filepath.Join(uploadsDir, in.Upload))
			return ups.Delete([]byte(in.Upload))
		})
		if err != nil {
			return nil, err
		}
		if err := tx.Bucket(bucketInputs).DeleteBucket([]byte(id)); err != nil {
			return nil, fmt.Errorf("delete inputs of %s: %w", id, err)
		}
	}
	if recordsOf(tx, id) != nil {
		if err := tx.Bucket(bucketRecords).DeleteBucket([]byte(id)); err != nil {
			return nil, fmt.Errorf("delete records of %s: %w", id, err)
		}
	}
	return files, tx.Bucket(bucketJobs).Delete([]byte(id))
}

func indexKey(i int) []byte {
	return fmt.Appendf(nil, "%0*d", indexDigits, i)
}

func parseIndexKey(k []byte) (int, error) {
	i, err := strconv.Atoi(string(k))
	if err != nil || len(k) != indexDigits || i < 0 {
		return 0, fmt.Errorf("bad index key %q", k)
	}
	return i, nil
}

// newID is 16 hex digits of creation time (ns) then 8 random ones:
// sortable by creation, unique without coordination.
func newID(t time.Time) string {
	var r [4]byte
	_, _ = rand.Read(r[:]) // crypto/rand.Read never fails
	return fmt.Sprintf("%016x%s", uint64(t.UnixNano()), hex.EncodeToString(r[:]))
}

// syncDir makes the directory entries of files created in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
