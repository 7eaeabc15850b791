"""L1: the parts agents are built from: the world API, values, policies, returns, traces, and neural-network layers with hand-written backpropagation."""
