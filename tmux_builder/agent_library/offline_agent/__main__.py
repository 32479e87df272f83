"""`python -m tmux_builder.agent_library.offline_agent`: run in the session workspace."""

import sys

from tmux_builder.agent_library.offline_agent.repl import main

sys.exit(main())
