// Package deploy holds how dataplus serve is shipped and run: the CPU and
// CUDA container images (Dockerfile, Dockerfile.cuda) and the Kubernetes
// manifests (k8s/, and k8s/gpu/ for GPU nodes). See README.md here.
//
// It has no code of its own. Its test validates the manifests without a
// cluster or the network: every YAML document is decoded strictly into the
// official k8s.io/api types, the cross-references are resolved (selectors,
// ports, probes, claims, ConfigMaps, the autoscaler's target), every
// argument and DATAPLUS_* variable is loaded through internal/config as
// dataplus serve would, and the Dockerfiles are checked against the
// Deployments. Nothing may import this package.
package deploy
