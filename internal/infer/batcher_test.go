package infer

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"dataplus/internal/assets"
)

// runAlone runs each item in a batch of one, the reference an item's
// batched outputs must match.
func runAlone(t *testing.T, s Session, input string, items []Tensor) []map[string]Tensor {
	t.Helper()
	out := make([]map[string]Tensor, len(items))
	for i, it := range items {
		r, err := s.Run(context.Background(), map[string]Tensor{input: it})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = r
	}
	return out
}

// runConcurrently sends every item through the batcher from its own
// goroutine and returns the outputs in item order.
func runConcurrently(t *testing.T, b *Batcher, items []Tensor) []map[string]Tensor {
	t.Helper()
	out := make([]map[string]Tensor, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() { out[i], errs[i] = b.Do(context.Background(), it) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkBatchInvariance runs items alone and through batchers of several
// sizes, and requires equal outputs (1e-5 relative, floor 1) whatever
// the batch-mates.
func checkBatchInvariance(t *testing.T, s Session, input string, items []Tensor) {
	want := runAlone(t, s, input, items)
	for _, maxBatch := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("max%d", maxBatch), func(t *testing.T) {
			b, err := NewBatcher(s, input, items[0].Shape, BatcherOptions{MaxBatch: maxBatch, MaxWait: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			got := runConcurrently(t, b, items)
			for i := range items {
				for name, w := range want[i] {
					g := got[i][name]
					if !sameDims(g.Shape, w.Shape) {
						t.Fatalf("item %d %s: shape %v, alone %v", i, name, g.Shape, w.Shape)
					}
					if j, ok := closeRel(g.Data, w.Data, 1e-5); !ok {
						t.Errorf("item %d %s[%d]: batched %v, alone %v", i, name, j, g.Data[j], w.Data[j])
					}
				}
			}
			st := b.Stats()
			t.Logf("batches %d, mean size %.2f, sizes %v, busy %v", st.Batches, st.MeanBatch(), st.Sizes, st.Busy)
			if st.Items != int64(len(items)) || st.Errors != 0 {
				t.Errorf("stats %+v", st)
			}
			if maxBatch > 1 && st.MeanBatch() <= 1 {
				t.Errorf("max batch %d: every batch had one item", maxBatch)
			}
		})
	}
}

func TestBatcherInvarianceDetector(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	var items []Tensor
	for i := range 8 {
		// Different content and valid widths, one input shape (320×224)
		// after padding.
		w := 320 - 4*i
		im, _ := textPage(w, 224)
		if i == 5 {
			im = whitePage(w, 224)
		}
		x, _, err := Preprocess(l.Model.Input, im, w)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, x)
	}
	checkBatchInvariance(t, l.Session, l.Input, items)
}

func TestBatcherInvarianceClassifier(t *testing.T) {
	b, dir := testBackend(t)
	// The bundled direction classifier: a small real model, 3×48×192.
	s, err := b.Load(context.Background(), Spec{Name: "cls", File: dir + "/" + assets.OCRDirection})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(5, 6))
	var items []Tensor
	for range 11 {
		x := NewTensor(1, 3, 48, 192)
		for i := range x.Data {
			x.Data[i] = rng.Float32()*2 - 1
		}
		items = append(items, x)
	}
	checkBatchInvariance(t, s, s.Inputs()[0].Name, items)
}

// gated delays every Run until the test lets it go, so a test can hold a
// batch in flight.
type gated struct {
	Session
	started chan int      // receives each batch's size as its Run begins
	release chan struct{} // one receive lets one Run go
}

func newGated(s Session) *gated {
	return &gated{Session: s, started: make(chan int, 100), release: make(chan struct{})}
}

func (g *gated) Run(ctx context.Context, in map[string]Tensor) (map[string]Tensor, error) {
	for _, t := range in {
		g.started <- int(t.Shape[0])
	}
	<-g.release
	return g.Session.Run(ctx, in)
}

// tinyCNN loads a small random CNN (input [N, 3, 32, 32]).
func tinyCNN(t *testing.T) (Session, Tensor) {
	b, _ := testBackend(t)
	p := writeModel(t, t.TempDir(), "tiny.onnx", cnnModel(rand.New(rand.NewPCG(7, 8)), 32, 4, 3, false))
	s, err := b.Load(context.Background(), Spec{Name: "tiny", File: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	x := NewTensor(1, 3, 32, 32)
	for i := range x.Data {
		x.Data[i] = float32(i%7) / 7
	}
	return s, x
}

func TestBatcherCancelBeforeBatch(t *testing.T) {
	s, x := tinyCNN(t)
	g := newGated(s)
	b, err := NewBatcher(g, "input", x.Shape, BatcherOptions{MaxBatch: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	first := make(chan error, 1)
	go func() { _, err := b.Do(context.Background(), x); first <- err }()
	<-g.started // the first item's batch is in Run, held

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { _, err := b.Do(ctx, x); second <- err }()
	time.Sleep(20 * time.Millisecond) // let it queue
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled item: %v", err)
	}
	g.release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	// The canceled item must not run: a third item is the next batch.
	third := make(chan error, 1)
	go func() { _, err := b.Do(context.Background(), x); third <- err }()
	if n := <-g.started; n != 1 {
		t.Errorf("next batch has %d items", n)
	}
	g.release <- struct{}{}
	if err := <-third; err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Items != 2 || st.Batches != 2 {
		t.Errorf("stats %+v: the canceled item ran", st)
	}
}

func TestBatcherRunErrorReachesEveryCaller(t *testing.T) {
	s, x := tinyCNN(t)
	var infos []BatchInfo
	var mu sync.Mutex
	b, err := NewBatcher(s, "input", x.Shape, BatcherOptions{MaxBatch: 4, MaxWait: time.Second, OnBatch: func(bi BatchInfo) {
		mu.Lock()
		infos = append(infos, bi)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s.Close() // every Run now fails
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { _, errs[i] = b.Do(context.Background(), x) })
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "session closed") {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(infos) != 1 || infos[0].Size != 4 || infos[0].Err == nil {
		t.Errorf("OnBatch saw %+v, want one failed batch of 4", infos)
	}
	if st := b.Stats(); st.Errors != 1 || st.Sizes[4] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestBatcherBackpressure(t *testing.T) {
	s, x := tinyCNN(t)
	g := newGated(s)
	b, err := NewBatcher(g, "input", x.Shape, BatcherOptions{MaxBatch: 1, QueueSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 2)
	go func() { _, err := b.Do(context.Background(), x); results <- err }()
	<-g.started // item 1 in Run
	go func() { _, err := b.Do(context.Background(), x); results <- err }()
	time.Sleep(20 * time.Millisecond) // item 2 fills the queue

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := b.Do(ctx, x); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "queue full") {
		t.Errorf("third item with a full queue: %v", err)
	}
	close(g.release) // let every Run go
	for range 2 {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	b.Close()
}

func TestBatcherCloseDrains(t *testing.T) {
	s, x := tinyCNN(t)
	g := newGated(s)
	b, err := NewBatcher(g, "input", x.Shape, BatcherOptions{MaxBatch: 2, MaxWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() { _, err := b.Do(context.Background(), x); results <- err }()
	}
	<-g.started // the first batch of 2 is in Run; 3 items wait
	time.Sleep(20 * time.Millisecond)
	closed := make(chan error)
	go func() { closed <- b.Close() }()
	close(g.release)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-results; err != nil {
			t.Errorf("queued item lost on Close: %v", err)
		}
	}
	if _, err := b.Do(context.Background(), x); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v", err)
	}
	if st := b.Stats(); st.Items != n {
		t.Errorf("stats %+v", st)
	}
}

func TestBatchers(t *testing.T) {
	b, dir := testBackend(t)
	l := loadDetector(t, b, dir)
	bs := NewBatchers(l.Session, l.Input, BatcherOptions{MaxBatch: 4})
	for _, w := range []int{320, 192, 320} {
		x, _, err := Preprocess(l.Model.Input, whitePage(w, 96), w)
		if err != nil {
			t.Fatal(err)
		}
		out, err := bs.Do(context.Background(), x)
		if err != nil {
			t.Fatal(err)
		}
		if got := out[DetectorMap].Shape; got[0] != 1 || got[3] != int64(w) {
			t.Errorf("map %v for width %d", got, w)
		}
	}
	if st := bs.Stats(); len(st) != 2 {
		t.Errorf("%d batchers, want one per shape: %v", len(st), st)
	}
	if _, err := NewBatcher(l.Session, l.Input, []int64{2, 3, 32, 32}, BatcherOptions{}); err == nil {
		t.Error("item shape with a leading 2 accepted")
	}
	if err := bs.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := bs.Do(context.Background(), NewTensor(1, 3, 32, 32)); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close = %v", err)
	}
}

// TestBatcherParallel: with Parallel 2, a second batch runs while the
// first is still in Run, and Close waits for both and loses nothing.
func TestBatcherParallel(t *testing.T) {
	s, x := tinyCNN(t)
	g := newGated(s)
	b, err := NewBatcher(g, "input", x.Shape, BatcherOptions{MaxBatch: 2, MaxWait: time.Millisecond, Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	results := make(chan error, n)
	for range n {
		go func() { _, err := b.Do(context.Background(), x); results <- err }()
	}
	// Two batches enter Run before either is released: they overlap.
	for range 2 {
		select {
		case <-g.started:
		case <-time.After(10 * time.Second):
			t.Fatal("a second batch did not start while the first was running")
		}
	}
	closed := make(chan error)
	go func() { closed <- b.Close() }()
	close(g.release) // let every batch finish, however they formed
	for range n {
		if err := <-results; err != nil {
			t.Errorf("item lost: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if st := b.Stats(); st.Items != n || st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}
