//go:build race

package fault_test

// raceBuild builds the processes under test with the race detector when the
// test itself runs with it (make test), reusing the packages it compiled.
const raceBuild = true
