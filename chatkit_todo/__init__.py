"""chatkit-todo: settings and the command line. Importing this package imports nothing heavy."""
