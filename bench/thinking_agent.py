"""The offline agent behind a pause: each instruction typed into the pane reaches it after
``THINK_SECONDS`` (argv[1]), standing in for the time a model takes to answer. Used by
``bench/parallel.py --think-seconds``: a real agent's session mostly waits."""

import subprocess
import sys
import time

think_seconds = float(sys.argv[1])
agent = subprocess.Popen([sys.executable, "-u", "-m", "tmux_builder.agent_library.offline_agent"],
                         stdin=subprocess.PIPE, text=True)
assert agent.stdin is not None
for line in sys.stdin:
    time.sleep(think_seconds)
    agent.stdin.write(line)
    agent.stdin.flush()
agent.stdin.close()
sys.exit(agent.wait())
