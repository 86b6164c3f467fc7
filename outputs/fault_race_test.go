//go:build race

package outputs_test

// raceBuild: the race detector multiplies memory use, so memory bounds are
// not checked under it.
const raceBuild = true
