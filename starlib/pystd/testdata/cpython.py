# Produces cpython.json: expressions and the values CPython gives for them.
# The Go test evaluates each expression in Starlark with module.random,
# heapq, bisect and operator and compares. Run: python3 cpython.py > cpython.json
import bisect, builtins, heapq, ipaddress, json, operator, random

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
    "str(ipaddress.ip_address('10.0.0.1') + 300)",
    "str(ipaddress.ip_address('::1') - 1)",
    "ipaddress.ip_address('10.20.8.12') in ipaddress.ip_network('10.0.0.0/8')",
    "ipaddress.ip_address('192.168.1.1') not in ipaddress.ip_network('10.0.0.0/8')",
    "ipaddress.IPv4Address('10.20.30.53').version",
    "ipaddress.ip_address('2001:db8::1').version",
    "[ipaddress.ip_address(a).is_private for a in ['10.1.1.1', '100.64.0.1', '8.8.8.8', '192.0.2.5', 'fd00::1', '2606:4700::1']]",
    "[ipaddress.ip_address(a).is_global for a in ['10.1.1.1', '100.64.0.1', '8.8.8.8', '2606:4700::1']]",
    "ipaddress.ip_address('10.1.2.3').reverse_pointer",
    "ipaddress.ip_address('2001:db8::1').exploded",
    "str(ipaddress.ip_network('192.168.10.0/255.255.255.0'))",
    "str(ipaddress.ip_network('10.1.2.3/8', strict=False))",
    "[str(ipaddress.ip_network('10.0.0.0/30').network_address), str(ipaddress.ip_network('10.0.0.0/30').broadcast_address), str(ipaddress.ip_network('10.0.0.0/22').netmask), str(ipaddress.ip_network('10.0.0.0/22').hostmask), ipaddress.ip_network('10.0.0.0/22').num_addresses, ipaddress.ip_network('10.0.0.0/22').prefixlen]",
    "[str(h) for h in ipaddress.ip_network('10.0.0.0/29').hosts()]",
    "[str(h) for h in ipaddress.ip_network('10.0.0.0/31').hosts()]",
    "[str(s) for s in ipaddress.ip_network('10.0.0.0/24').subnets(new_prefix=26)]",
    "ipaddress.ip_network('10.1.0.0/16').subnet_of(ipaddress.ip_network('10.0.0.0/8'))",
    "ipaddress.ip_network('10.0.0.0/8').overlaps(ipaddress.ip_network('10.200.0.0/16'))",
    "ipaddress.ip_network('10.0.0.0/8').with_netmask",
    "str(ipaddress.ip_interface('10.1.2.3/24').network)",
    "str(ipaddress.ip_address(167772161))",
    "ipaddress.ip_address('10.0.0.1') < ipaddress.ip_address('10.0.0.2')",
    "[builtins.len('abc'), builtins.sorted([3, 1, 2]), builtins.round(2.675, 2), builtins.sum([1, 2, 3]), builtins.max(1, 5), builtins.str(12)]",
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
    g = {"random": random, "heapq": heapq, "bisect": bisect, "operator": operator, "ipaddress": ipaddress, "builtins": builtins}
    exec(p, g)
    out.append({"src": p, "want": g["out"]})
print(json.dumps(out, indent=1))
