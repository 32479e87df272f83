"""The dashboard: server-rendered Jinja2 pages whose data comes from the JSON API."""
