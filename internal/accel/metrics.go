package accel

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// RegisterMetrics exports the GPU backend's per-device totals:
// dataplus_gpu_busy_seconds_total (time with a batch on the device),
// dataplus_gpu_batches_total, dataplus_gpu_items_total and
// dataplus_gpu_padding_items_total, labelled by device.
func RegisterMetrics(reg prometheus.Registerer, g *GoMLX) {
	for _, d := range g.devices {
		labels := prometheus.Labels{"device": fmt.Sprint(d.num)}
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dataplus_gpu_busy_seconds_total", Help: "Time with at least one batch running on the GPU.", ConstLabels: labels,
			}, func() float64 { return d.busyNow().Seconds() }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dataplus_gpu_batches_total", Help: "Batches run on the GPU.", ConstLabels: labels,
			}, func() float64 { return float64(d.batches.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dataplus_gpu_items_total", Help: "Model inputs run on the GPU (padding excluded).", ConstLabels: labels,
			}, func() float64 { return float64(d.items.Load()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "dataplus_gpu_padding_items_total", Help: "Padding rows added to fill compiled batch sizes.", ConstLabels: labels,
			}, func() float64 { return float64(d.padded.Load()) }),
		)
	}
}
