"""HTTP: the app factory, routes, auth, errors. Only the command line imports this package."""
