package store

import (
	"testing"
	"time"
)

func TestParseStoredTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 2, 28, 23, 59, 59, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 12, 0, 0, 1, time.UTC),
	} {
		got, err := parseStoredTime(formatTime(tm))
		if err != nil || !got.Equal(tm) {
			t.Errorf("%v: %v %v", tm, got, err)
		}
	}
	for _, bad := range []string{"", "2026-02-30T00:00:00.000000000Z", "2026-13-01T00:00:00.000000000Z", "2026-01-01T00:00:00.00000000xZ"} {
		if _, err := parseStoredTime(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
