package convert

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"dataplus/internal/infer"
)

// Resident uploads inputs to the program's device once and returns run,
// which executes the program on them and copies the outputs back (so each
// call waits for the device), and free, which releases the inputs. It is
// for benchmarks that measure the model without the host-to-device copy
// (as PyTorch benchmarks do); Run is what the pipeline uses.
func (p *Program) Resident(inputs map[string]infer.Tensor) (run func() error, free func(), err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("resident: %v", r)
		}
	}()
	p.mu.RLock()
	closed := p.closed
	p.mu.RUnlock()
	if closed {
		return nil, nil, errors.New("resident: program closed")
	}
	args, err := p.args(inputs, false)
	if err != nil {
		return nil, nil, fmt.Errorf("resident: %w", err)
	}
	exec, err := p.execFor(inputs)
	if err != nil {
		return nil, nil, fmt.Errorf("resident: %w", err)
	}
	owned := args[len(p.weights):]
	free = func() {
		for _, a := range owned {
			_ = a.(*tensors.Tensor).FinalizeAll()
		}
	}
	for _, a := range owned {
		if err := a.(*tensors.Tensor).MaterializeOnDevice(p.backend, false, p.device); err != nil {
			free()
			return nil, nil, fmt.Errorf("resident: %w", err)
		}
	}
	run = func() (err error) {
		p.mu.RLock()
		defer p.mu.RUnlock()
		if p.closed {
			return errors.New("resident: program closed")
		}
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("resident: %v", r)
			}
		}()
		outs, err := exec.ExecOnDevice(p.device, args...)
		if err != nil {
			return err
		}
		for _, t := range outs {
			if _, err := tensors.CopyFlatData[float32](t); err != nil {
				return err
			}
			_ = t.FinalizeAll()
		}
		return nil
	}
	return run, free, nil
}
