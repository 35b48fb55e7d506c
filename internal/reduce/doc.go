// Package reduce fits and applies linear dimension reduction to feature
// vectors: selection of the input dimensions that vary, then principal
// component analysis (Fit, Model.Project), and the versioned file that
// stores a fitted model, optionally bundled with the features.TextModel
// fitted on the same sample (Bundle), so that `dataplus fit` writes one
// file that `dataplus process --pca` reads back.
//
// Files: pca.go (Fit, Model), file.go (the file format, Bundle).
//
// reduce may import internal/features (for the text model it bundles);
// features must not import reduce. Nothing here touches the pipeline,
// the network or the device.
package reduce
