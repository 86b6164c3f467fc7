//go:build !race

package outputs_test

const raceBuild = false
