"""Guest-stub generator (`witgen guest`): coming after the host bindings."""
