"""Front-ends: the REPL and the headless runner, both consumers of engine events."""
