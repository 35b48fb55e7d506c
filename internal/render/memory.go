package render

import (
	"fmt"
	"reflect"

	"github.com/klippa-app/go-pdfium"
)

// wasmMemory returns the size in bytes of an instance's WebAssembly linear
// memory. Wasm memory only grows, so this is the instance's high-water mark.
//
// go-pdfium does not export it: GetImplementation returns its internal
// implementation struct, whose exported Module field has Memory() returning
// wazero's api.Memory. Its type lives in an internal package, so we reach it
// with reflection and ask only for Size() uint32. If go-pdfium changes that
// shape, ok is false and the pool falls back to retiring instances by
// document count alone (New logs this once).
func wasmMemory(inst pdfium.Pdfium) (size int64, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			size, ok = 0, false
		}
	}()
	v := reflect.ValueOf(inst.GetImplementation())
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return 0, false
	}
	mod := v.FieldByName("Module")
	if !mod.IsValid() || (mod.Kind() == reflect.Interface && mod.IsNil()) {
		return 0, false
	}
	memFn := mod.MethodByName("Memory")
	if !memFn.IsValid() || memFn.Type().NumIn() != 0 || memFn.Type().NumOut() != 1 {
		return 0, false
	}
	mem, isSizer := memFn.Call(nil)[0].Interface().(interface{ Size() uint32 })
	if !isSizer || mem == nil {
		return 0, false
	}
	return int64(mem.Size()), true
}

// formatBytes prints n in MiB for log lines.
func formatBytes(n int64) string {
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
