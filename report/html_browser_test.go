package report

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestHTMLRendersInChromium opens rendered HTML reports in headless
// Chromium and checks the screenshot is produced and shows something: a
// self-contained report must render with no network and no assets. The
// test skips without Chromium unless FTPDIAG_BROWSER=required (set by
// scripts/test, whose CI run installs Chromium).
func TestHTMLRendersInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("FTPDIAG_BROWSER") == "required" {
			t.Fatalf("chromium is required (FTPDIAG_BROWSER=required) but not installed: %v", err)
		}
		t.Skip("chromium not installed (set FTPDIAG_BROWSER=required to fail instead)")
	}
	for _, name := range []string{"passive-filtered", "nat-private", "hostile-banner"} {
		t.Run(name, func(t *testing.T) {
			page := filepath.Join("testdata", "golden", name+".html")
			abs, err := filepath.Abs(page)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			shot := filepath.Join(dir, "shot.png")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
				"--disable-quic", "--no-first-run", "--disable-background-networking",
				"--disable-component-update", "--disable-sync", "--hide-scrollbars",
				"--user-data-dir="+filepath.Join(dir, "profile"),
				"--window-size=1200,1600", "--screenshot="+shot, "file://"+abs)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("chromium: %v\n%s", err, out)
			}
			img := readPNG(t, shot)
			if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 1600 {
				t.Errorf("screenshot is %dx%d, want 1200x1600", b.Dx(), b.Dy())
			}
			if frac := inkFraction(img); frac < 0.01 {
				t.Errorf("screenshot is blank: only %.2f%% of pixels differ from the background", frac*100)
			}
		})
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	return img
}

// inkFraction is the share of pixels that differ from the top-left
// (background) pixel.
func inkFraction(img image.Image) float64 {
	b := img.Bounds()
	br, bg, bb, _ := img.At(b.Min.X, b.Min.Y).RGBA()
	var ink, total int
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != br || g != bg || bl != bb {
				ink++
			}
			total++
		}
	}
	return float64(ink) / float64(total)
}
