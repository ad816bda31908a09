"""Host-binding generator (`witgen host`): coming next, built on `witgen.resolve.ir`."""
