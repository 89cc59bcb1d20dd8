"""Shell command lines as data: the tree-sitter-bash parse and the rule matching on it."""
