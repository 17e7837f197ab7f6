package tsp

import (
	"testing"
	"time"
)

// TestParseGenTime: whole seconds and fractions (as many TSAs state them) are read;
// what DER forbids is refused.
func TestParseGenTime(t *testing.T) {
	for in, want := range map[string]time.Time{
		"20220918132014Z":        time.Date(2022, 9, 18, 13, 20, 14, 0, time.UTC),
		"20220918132014.5Z":      time.Date(2022, 9, 18, 13, 20, 14, 500_000_000, time.UTC),
		"20261206010203.123Z":    time.Date(2026, 12, 6, 1, 2, 3, 123_000_000, time.UTC),
		"20261206010203.000001Z": time.Date(2026, 12, 6, 1, 2, 3, 1000, time.UTC),
	} {
		got, err := parseGenTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "20220918132014", "20220918132014.Z", "20220918132014.50Z", "20220918132014+0500",
		"2022091813201Z", "20220918132014.5aZ", "2022-9-18T13:20Z", "20221318132014Z"} {
		if _, err := parseGenTime(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
