//go:build !race

package fault_test

const raceBuild = false
