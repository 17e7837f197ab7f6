// Package forms renders the printable documents of the registration workflow as PDF:
// the application form of every template (the forms of annexes 2, 5, 7, 10, 11 and 12
// of the service standard, seed 003) and the receipts a registration-centre desk
// gives: the desk receipt (SPEC §3 step 3) and the refusal receipt listing the
// missing documents (seed 002 annex 9). Labels are in Kazakh, Russian or English; the
// data are printed as typed.
//
// Text is set in DejaVu Sans, embedded (as a subset, with a ToUnicode map) from the
// files in fonts/: Cyrillic and the Kazakh letters (ә ғ қ ң ө ұ ү һ і) print and can
// be copied or extracted from the PDF. A character the font lacks prints as "?".
// Rendering is deterministic: the same input gives the same bytes.
package forms

import (
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/signintech/gopdf"
)

//go:embed fonts/DejaVuSans.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var fontBold []byte

// Languages lists the languages of the labels, the default first.
var Languages = []string{"ru", "kk", "en"}

// Lang returns lang if it is a language of the labels, and otherwise "ru" together
// with false.
func Lang(lang string) (string, bool) {
	switch lang {
	case "kk", "ru", "en":
		return lang, true
	}
	return "ru", false
}

// Page geometry in points (A4).
const (
	pageW   = 595.28
	pageH   = 841.89
	margin  = 56.0
	bottom  = pageH - 56.0
	textW   = pageW - 2*margin
	family  = "dejavu"
	sizeTxt = 10.5
)

// doc is a page of flowing text: a cursor that moves down, wraps lines to the text
// width and starts a new page when the bottom is reached.
type doc struct {
	pdf *gopdf.GoPdf
	y   float64
	err error
}

func newDoc(title string, created time.Time) (*doc, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "nca", Producer: "nca", CreationDate: created})
	missing := func(rune) rune { return '?' }
	if err := pdf.AddTTFFontDataWithOption(family, fontRegular, gopdf.TtfOption{Style: gopdf.Regular, OnGlyphNotFoundSubstitute: missing}); err != nil {
		return nil, fmt.Errorf("forms: font: %w", err)
	}
	if err := pdf.AddTTFFontDataWithOption(family, fontBold, gopdf.TtfOption{Style: gopdf.Bold, OnGlyphNotFoundSubstitute: missing}); err != nil {
		return nil, fmt.Errorf("forms: bold font: %w", err)
	}
	d := &doc{pdf: pdf}
	d.newPage()
	return d, nil
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = margin
}

func (d *doc) font(style string, size float64) {
	if d.err == nil {
		d.err = d.pdf.SetFont(family, style, size)
	}
}

// lines wraps text to width w in the current font: at spaces where it can, inside
// a word where a word is wider than the line. Line breaks in text are kept.
func (d *doc) lines(text string, w float64) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		line := ""
		for _, word := range strings.Fields(para) {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if d.width(try) <= w {
				line = try
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			for d.width(word) > w {
				n := d.fit(word, w)
				out = append(out, word[:n])
				word = word[n:]
			}
			line = word
		}
		out = append(out, line)
	}
	return out
}

func (d *doc) width(s string) float64 {
	w, err := d.pdf.MeasureTextWidth(s)
	if err != nil && d.err == nil {
		d.err = err
	}
	return w
}

// fit returns the byte length of the longest prefix of word (whole runes, at least
// one) that fits in w.
func (d *doc) fit(word string, w float64) int {
	n := 0
	for i, r := range word {
		end := i + len(string(r))
		if n > 0 && d.width(word[:end]) > w {
			break
		}
		n = end
	}
	return n
}

// text writes wrapped text at x (from the left margin) with the given style, size
// and alignment ("" left, "C" centred), then moves the cursor below it.
func (d *doc) text(text, style string, size, indent float64, align string) {
	d.font(style, size)
	lh := size * 1.35
	for _, l := range d.lines(text, textW-indent) {
		if d.y+lh > bottom {
			d.newPage()
			d.font(style, size)
		}
		x := margin + indent
		if align == "C" {
			x = margin + (textW-d.width(l))/2
		}
		d.pdf.SetXY(x, d.y)
		if d.err == nil && l != "" {
			d.err = d.pdf.Text(l)
		}
		d.y += lh
	}
}

// para writes a left-aligned paragraph in the body font.
func (d *doc) para(text string) { d.text(text, "", sizeTxt, 0, "") }

// heading writes a bold line with some space above.
func (d *doc) heading(text string) {
	d.space(6)
	d.text(text, "B", sizeTxt, 0, "")
}

// field writes "label: value" with the label in regular and the value in bold type;
// an empty value prints as a line to fill in by hand.
func (d *doc) field(label, value string) {
	d.font("", sizeTxt)
	lw := d.width(label + ": ")
	if value == "" {
		value = "________________________"
	}
	if lw > textW/2 {
		d.para(label + ":")
		d.text(value, "B", sizeTxt, 24, "")
		return
	}
	lh := sizeTxt * 1.35
	if d.y+lh > bottom {
		d.newPage()
	}
	d.pdf.SetXY(margin, d.y)
	if d.err == nil {
		d.err = d.pdf.Text(label + ":")
	}
	d.text(value, "B", sizeTxt, lw, "")
}

// item writes a numbered or marked list item, wrapped under its text.
func (d *doc) item(mark, text string) {
	d.font("", sizeTxt)
	mw := d.width(mark + " ")
	lh := sizeTxt * 1.35
	if d.y+lh > bottom {
		d.newPage()
	}
	d.pdf.SetXY(margin, d.y)
	if d.err == nil {
		d.err = d.pdf.Text(mark)
	}
	d.text(text, "", sizeTxt, mw, "")
}

// space moves the cursor down by h points.
func (d *doc) space(h float64) { d.y += h }

// rule draws a thin horizontal line across the text width, under the last line
// written (the cursor is the baseline of the next line).
func (d *doc) rule() {
	d.pdf.SetLineWidth(0.5)
	d.pdf.Line(margin, d.y-8, pageW-margin, d.y-8)
	d.space(10)
}

// bytes finishes the document.
func (d *doc) bytes() ([]byte, error) {
	if d.err != nil {
		return nil, fmt.Errorf("forms: render: %w", d.err)
	}
	var b bytes.Buffer
	if err := d.pdf.Write(&b); err != nil {
		return nil, fmt.Errorf("forms: write PDF: %w", err)
	}
	return b.Bytes(), nil
}
