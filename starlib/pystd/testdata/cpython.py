# Produces cpython.json: expressions and the values CPython gives for them.
# The Go test evaluates each expression in Starlark with module.random,
# heapq, bisect and operator and compares. Run: python3 cpython.py > cpython.json
import bisect, heapq, json, operator, random

cases = [
    "random.Random(2614).random()",
    "random.Random(0).random()",
    "random.Random(-7).random()",
    "random.Random(1180591620717411303427).random()",
    "random.Random('nextcloud-org:srv').random()",
    "random.Random(b'abc').random()",
    "random.Random(42).randint(1, 100)",
    "random.Random(42).randint(-5, 5)",
    "random.Random(42).randrange(10)",
    "random.Random(42).randrange(0, 100, 7)",
    "random.Random(42).randrange(100, 0, -3)",
    "random.Random(42).getrandbits(7)",
    "random.Random(42).getrandbits(40)",
    "random.Random(42).getrandbits(100)",
    "random.Random(42).choice(['a', 'b', 'c', 'd'])",
    "random.Random(42).choices(['a', 'b', 'c'], k=5)",
    "random.Random(42).choices(['a', 'b', 'c'], [1, 5, 2], k=5)",
    "random.Random(42).choices(['a', 'b', 'c'], cum_weights=[1, 6, 8], k=5)",
    "random.Random(42).sample(list(range(10)), 4)",
    "random.Random(42).sample(list(range(100)), 8)",
    "random.Random(42).uniform(2, 5)",
    "random.Random(42).triangular(0, 10, 3)",
    "random.Random(42).triangular()",
    "random.Random(42).normalvariate(10, 2)",
    "random.Random(42).lognormvariate(0, 0.6)",
    "random.Random(42).gauss(1, 3)",
    "random.Random(42).expovariate(0.5)",
    "random.Random(42).paretovariate(2)",
    "random.Random(42).weibullvariate(1, 1.5)",
    "random.Random(42).gammavariate(2.5, 1)",
    "random.Random(42).gammavariate(0.5, 2)",
    "random.Random(42).gammavariate(1, 2)",
    "random.Random(42).betavariate(2, 3)",
    "len(random.Random(42).randbytes(5))",
    "heapq.nsmallest(3, [5, 1, 4, 1, 9, 2])",
    "heapq.nlargest(2, [[1, 'a'], [3, 'b'], [2, 'c']])",
    "bisect.bisect_left([1, 3, 3, 5], 3)",
    "bisect.bisect_right([1, 3, 3, 5], 3)",
    "bisect.bisect([1, 3, 3, 5], 4, 0, 2)",
    "operator.add(2, 3)",
    "operator.getitem([1, 2, 3], -1)",
    "operator.contains([1, 2], 2)",
]
# Statements with mutation: the value of `out` after running them.
programs = [
    "r = random.Random(7)\nout = [r.random() for _ in range(3)] + [r.gauss(0, 1), r.gauss(0, 1), r.gauss(0, 1)]",
    "r = random.Random(7)\nout = list(range(10))\nr.shuffle(out)",
    "r = random.Random(7)\nr.seed(9)\nout = r.random()",
    "h = []\nfor x in [[5, 1], [3, 2], [9, 3], [1, 4], [3, 0], [7, 5]]:\n    heapq.heappush(h, x)\nout = [heapq.heappop(h) for _ in range(3)] + [h]",
    "h = [9, 4, 7, 1, 8, 2, 6]\nheapq.heapify(h)\nout = [h[:], heapq.heappushpop(h, 3), heapq.heapreplace(h, 0), h]",
    "a = [1, 3, 5]\nbisect.insort(a, 4)\nbisect.insort_left(a, 3)\nout = a",
]
out = []
for c in cases:
    out.append({"src": "out = " + c, "want": eval(c)})
for p in programs:
    g = {"random": random, "heapq": heapq, "bisect": bisect, "operator": operator}
    exec(p, g)
    out.append({"src": p, "want": g["out"]})
print(json.dumps(out, indent=1))
