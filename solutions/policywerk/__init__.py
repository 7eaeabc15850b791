"""policywerk: reinforcement learning built from scalar arithmetic up, in pure Python.

Four layers, each importing only from the layers below it:

    primitives       L0  scalars, vectors, matrices, activations, losses, seeded randomness
    building_blocks  L1  RL parts (world API, values, policies, returns, ...) and NN parts
    world            L2  the environments the agents learn in
    actors           L3  the agents of the seven papers

No __init__ imports anything, so one broken module fails only its own specs and those of the
modules that import it.
"""
