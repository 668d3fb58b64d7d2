"""Consumer groups with kafkajs: the scenario of test_groups_confluent.py (split, join,
clean leave, SIGKILL hand-over within the session timeout, exact record counts) with
kafkajs members, each a separate `node kafkajs_group_member.js` process.

The scenario starts members as `python3 THIS_FILE worker BOOTSTRAP TOPIC GROUP`; the
worker exec()s node in place, so SIGTERM/SIGKILL reach the kafkajs process itself."""

import os
import sys

import test_groups_confluent as scenario

GROUP = "kafkajs-group-members"
HERE = os.path.dirname(os.path.abspath(__file__))


def worker(bootstrap, topic, group):
    script = os.path.join(HERE, "kafkajs_group_member.js")
    os.execvp("node", ["node", script, bootstrap, topic, group, str(scenario.SESSION_MS)])


def test(ctx):
    scenario.run_scenario(ctx, __file__, GROUP)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        worker(*sys.argv[2:5])
    else:
        import harness
        harness.main(test)
