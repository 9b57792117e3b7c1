"""People with a login: users and roles, bearer tokens, and the slowing down of password guessing."""
