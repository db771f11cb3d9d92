// Implemented by the runtime work.
