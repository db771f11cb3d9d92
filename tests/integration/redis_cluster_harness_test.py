"""The RedisCluster harness (harness.py) on a real cluster of 3 masters with 1
replica each: it forms with every slot covered, survives a master's SIGKILL
(failover), takes a restarted node back, moves slots (one by SETSLOT/MIGRATE,
several by redis-cli --cluster reshard), and close() leaves no process."""

import os
import time
import unittest

from harness import RedisCluster


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class RedisClusterHarnessTest(unittest.TestCase):
    def setUp(self):
        self.cluster = RedisCluster()
        self.addCleanup(self.cluster.close)
        print(f"\ncluster up in {self.cluster.startup_seconds:.1f} s")

    def test_slots_are_covered_by_three_masters(self):
        nodes = self.cluster.nodes
        self.assertEqual(sorted(n["role"] for n in nodes), ["master"] * 3 + ["replica"] * 3)
        self.assertTrue(self.cluster.url.startswith("redis-cluster://127.0.0.1:"))
        self.assertEqual(self.cluster.url.count(","), 5)
        masters = set(self.cluster.masters())
        owners = {self.cluster.master_of_slot(slot) for slot in range(0, 16384, 97)}
        self.assertEqual(owners, masters)
        self.assertEqual(sum(last - first + 1 for first, last in
                             self.cluster.slot_map(nodes[0]["port"])), 16384)
        # CLUSTER KEYSLOT agrees with the known value, and the key lands there.
        port = self.cluster.master_of_slot(12182)
        self.assertEqual(self.cluster.cli(port, "CLUSTER", "KEYSLOT", "foo").strip(), "12182")
        self.assertEqual(self.cluster.cli(port, "SET", "foo", "1").strip(), "OK")
        other = next(p for p in masters if p != port)
        self.assertEqual(self.cluster.cli(other, "GET", "foo").strip(),
                         f"MOVED 12182 127.0.0.1:{port}")

    def test_failover_and_restart(self):
        slot = 6063  # "pubsub:news"
        old = self.cluster.master_of_slot(slot)
        self.cluster.kill_master(old)
        seconds = self.cluster.wait_for_failover()
        print(f"failover in {seconds:.1f} s")
        new = self.cluster.master_of_slot(slot)
        self.assertNotIn(new, (None, old))
        self.assertEqual(len(self.cluster.masters()), 3)
        self.assertEqual(self.cluster.cli(new, "SET", "{pubsub:news}:x", "1").strip(), "OK")
        started = time.monotonic()
        self.cluster.restart(old)
        print(f"restarted node back in {time.monotonic() - started:.1f} s")
        roles = {n["port"]: n["role"] for n in self.cluster.nodes}
        self.assertEqual(roles[old], "replica")
        self.assertEqual(self.cluster.master_of_slot(slot), new)

    def test_reshard_one_slot_and_many(self):
        slot = 6063
        source = self.cluster.master_of_slot(slot)
        target = next(p for p in self.cluster.masters() if p != source)
        for i in range(20):
            self.cluster.cli(source, "SET", f"{{pubsub:news}}:{i}", str(i))
        self.cluster.reshard(source, target, slot=slot)
        for port in self.cluster.alive_ports():
            self.assertEqual(self.cluster.master_of_slot(slot, port), target)
        self.assertEqual(self.cluster.cli(target, "GET", "{pubsub:news}:7").strip(), "7")
        self.assertEqual(self.cluster.cli(target, "CLUSTER", "COUNTKEYSINSLOT", str(slot)).strip(),
                         "20")

        before = self.cluster.slot_map(source)
        count_on = lambda port, m: sum(l - f + 1 for (f, l), p in m.items() if p == port)  # noqa
        self.cluster.reshard(target, source, count=100)
        after = self.cluster.slot_map(source)
        self.assertEqual(count_on(source, after), count_on(source, before) + 100)
        self.assertEqual(count_on(target, after), count_on(target, before) - 100)

    def test_close_leaves_no_process(self):
        directory = self.cluster.dir
        pids = [n["pid"] for n in self.cluster.nodes]
        self.assertEqual(len(pids), 6)
        self.assertTrue(all(running(pid) for pid in pids))
        self.assertEqual(sorted(self.cluster.close()), sorted(pids))
        self.assertFalse(any(running(pid) for pid in pids))
        self.assertFalse(os.path.exists(directory))
        self.assertEqual(self.cluster.close(), [])  # twice is harmless


if __name__ == "__main__":
    unittest.main()
