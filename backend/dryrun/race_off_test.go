//go:build !race

package dryrun_test

// raceAllowance is 1: without the race detector the bound is 110 % exactly.
const raceAllowance = 1.0
