"""Hook commands from config: reading ``[[hooks.EVENT]]`` tables and running them."""
