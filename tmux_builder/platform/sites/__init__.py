"""Sites: deploying a session's site as its stack, and the server of local static sites."""
