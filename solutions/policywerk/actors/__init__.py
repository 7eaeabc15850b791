"""L3: the agents of the seven papers, each readable top to bottom."""
