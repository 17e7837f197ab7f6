//go:build !unix

package ra

import (
	"testing"
	"time"
)

// processCPU is not measured here: the benchmarks' cpu-ratio reads NaN.
func processCPU(*testing.B) time.Duration { return 0 }
