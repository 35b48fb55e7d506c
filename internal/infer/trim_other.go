//go:build !linux || !cgo

package infer

// releaseFreed does nothing where glibc's malloc_trim is not available.
func releaseFreed() {}
