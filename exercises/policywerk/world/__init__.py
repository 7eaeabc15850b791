"""L2: the worlds the agents learn in, with the calls of Gymnasium (reset, step, Step)."""
