package testpdf

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// Rasters are small (a few dozen pixels per inch) and scaled up by the CTM:
// routing depends on where an image is drawn, not on its resolution, and the
// fixtures must stay well under 100 KB.

// scanRaster returns a w x h 8-bit gray raster that looks like a scanned text
// page: off-white paper with a little noise and dark blocks in rows, like
// words on lines.
func scanRaster(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x5ca9))
	pix := make([]byte, w*h)
	for i := range pix {
		pix[i] = byte(240 + r.IntN(16))
	}
	margin := w / 10
	for y := h / 12; y+3 < h-h/12; y += 6 {
		x := margin
		for x < w-margin {
			word := 3 + r.IntN(10)
			for dy := 0; dy < 3; dy++ {
				for dx := 0; dx < word && x+dx < w-margin; dx++ {
					pix[(y+dy)*w+x+dx] = byte(20 + r.IntN(40))
				}
			}
			x += word + 2
		}
	}
	return pix
}

// grayImage is an image XObject holding an 8-bit DeviceGray raster,
// FlateDecode compressed.
func grayImage(w, h int, pix []byte) *Stream {
	return FlateStream(Dict{
		"Type":             Name("XObject"),
		"Subtype":          Name("Image"),
		"Width":            w,
		"Height":           h,
		"ColorSpace":       Name("DeviceGray"),
		"BitsPerComponent": 8,
	}, pix)
}

// jpegImage is an image XObject holding the raster as an RGB JPEG
// (DCTDecode), tinted like a yellowed paper scan. image/jpeg's encoder is
// deterministic, so the bytes are reproducible.
func jpegImage(w, h int, pix []byte) *Stream {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g := pix[y*w+x]
			img.Set(x, y, color.RGBA{R: g, G: g - g/32, B: g - g/12, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 75}); err != nil {
		panic(err)
	}
	return &Stream{
		Dict: Dict{
			"Type":             Name("XObject"),
			"Subtype":          Name("Image"),
			"Width":            w,
			"Height":           h,
			"ColorSpace":       Name("DeviceRGB"),
			"BitsPerComponent": 8,
			"Filter":           Name("DCTDecode"),
		},
		Data: buf.Bytes(),
	}
}

// pngFile returns a small PNG file: the "not a PDF" fixture's bytes.
func pngFile() []byte {
	const w, h = 32, 32
	pix := scanRaster(w, h, 7)
	img := image.NewGray(image.Rect(0, 0, w, h))
	copy(img.Pix, pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
