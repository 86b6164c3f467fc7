package starlib

import (
	"strings"
	"testing"
)

// The expected values of the heapq and operator cases come from CPython.
func TestPythonStdModules(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, want string }{
		// heapq: pops come out in order; items compare like Python lists
		{`(lambda h: [module.heapq.heappush(h, x) for x in [5, 1, 8, 3, 9, 2]] and [module.heapq.heappop(h) for _ in range(6)])([])`, "[1, 2, 3, 5, 8, 9]"},
		{`(lambda h: [module.heapq.heappush(h, x) for x in [[3, "c"], [1, "a"], [2, "b"]]] and module.heapq.heappop(h))([])`, `[1, "a"]`},
		{`(lambda h: (module.heapq.heapify(h), h[0], module.heapq.heappushpop(h, 0), module.heapq.heapreplace(h, 10), h[0]))([7, 3, 9, 1])`, "(None, 1, 0, 1, 3)"},
		{`module.heapq.nlargest(2, [3, 1, 4, 1, 5])`, "[5, 4]"},
		{`module.heapq.nsmallest(2, [{"n": 3}, {"n": 1}, {"n": 2}], key=lambda d: d["n"])`, `[{"n": 1}, {"n": 2}]`},
		// operator
		{`module.operator.getitem({"a": 1}, "a") + module.operator.getitem([1, 2, 3], -1)`, "4"},
		{`module.operator.itemgetter(1)([4, 5, 6])`, "5"},
		{`module.operator.itemgetter("a", "b")({"a": 1, "b": 2})`, "(1, 2)"},
		{`(module.operator.add(2, 3), module.operator.lt(1, 2), module.operator.contains([1, 2], 2), module.operator.not_(0))`, "(5, True, True, True)"},
		// random: module functions and seeded instances
		{`type(module.random.random()) == "float" and module.random.randint(1, 3) in [1, 2, 3]`, "True"},
		{`module.random.Random("org:x").randint(1, 1000000) == module.random.Random("org:x").randint(1, 1000000)`, "True"},
		{`module.random.Random(1).random() != module.random.Random(2).random()`, "True"},
		{`sorted(module.random.sample([1, 2, 3, 4], 4))`, "[1, 2, 3, 4]"},
		{`module.random.choices(["a", "b"], weights=[0, 1], k=3)`, `["b", "b", "b"]`},
		{`module.random.choices(["a", "b"], cum_weights=[1, 1], k=2)`, `["a", "a"]`},
		{`(lambda l: (module.random.shuffle(l), sorted(l))[1])([3, 1, 2])`, "[1, 2, 3]"},
		{`module.random.randrange(10, 20, 5) in [10, 15]`, "True"},
		{`module.random.getrandbits(8) < 256`, "True"},
		{`module.random.triangular(1, 1) == 1.0 and module.random.lognormvariate(0, 0) == 1.0`, "True"},
	}
	for _, tt := range tests {
		if got := str(mustEval(t, tt.expr, nil)); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.expr, got, tt.want)
		}
	}
	errs := []struct{ expr, want string }{
		{`module.operator.getitem({}, "anomaly_mode must be a boolean")`, `operator.getitem: key "anomaly_mode must be a boolean" not in dict`},
		{`module.heapq.heappop([])`, "heapq.heappop: index out of range"},
		{`module.random.randint(3, 1)`, "random.randint: empty range for randrange(3, 2)"},
		{`module.random.Random([1])`, `random.Random: for parameter "x": got list`},
		{`module.random.sample([1], 2)`, "random.sample: sample larger than population"},
	}
	for _, tt := range errs {
		_, err := evalExpr(t, 1, tt.expr, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want prefix %q", tt.expr, err, tt.want)
		}
	}
}
