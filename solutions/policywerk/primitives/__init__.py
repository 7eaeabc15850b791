"""L0: scalars, vectors, matrices, activations, losses and the seeded random number generator."""
