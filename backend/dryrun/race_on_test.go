//go:build race

package dryrun_test

// raceAllowance widens the throughput bound under the race detector, which
// slows every goroutine several times; the 110 % bound holds without it.
const raceAllowance = 3.0
